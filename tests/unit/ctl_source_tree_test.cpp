// The folder a send reads from: walked without following its links, each folder before
// what it holds and in name order, with files opened, and what a tree cannot carry left
// out and named.
#include "ctl/failure.hpp"
#include "ctl/send_source.hpp"
#include "ctl/source_tree.hpp"
#include "temp_dir.hpp"

#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace streamd::ctl {
namespace {

namespace fs = std::filesystem;
using proto::EntryKind;

std::vector<std::string> paths_of(const SourceTree& t) {
    std::vector<std::string> paths;
    for (const auto& e : t.manifest.entries)
        paths.push_back(e.path);
    return paths;
}

std::string failure_for(const std::string& path) {
    try {
        scan_source_tree(path);
    } catch (const Failure& e) {
        return e.what();
    }
    return "";
}

TEST(CtlSourceTree, FoldersComeBeforeWhatTheyHoldInNameOrder) {
    fixtures::TempDir dir("streamd-ctl-tree");
    const fs::path top = dir / "photos";
    fs::create_directories(top / "b" / "deep");
    fs::create_directories(top / "empty");
    std::ofstream(top / "z.txt") << "zz";
    std::ofstream(top / "a b.jpg") << "12345";
    std::ofstream(top / "b" / "deep" / "ünï.txt") << "";
    ::chmod((top / "z.txt").c_str(), 0640);
    fs::create_symlink("../z.txt", top / "b" / "up");

    SourceTree t = scan_source_tree(top);
    EXPECT_EQ(t.name, "photos");
    EXPECT_EQ(paths_of(t), (std::vector<std::string>{"a b.jpg", "b", "b/deep", "b/deep/ünï.txt",
                                                     "b/up", "empty", "z.txt"}));
    const auto& e = t.manifest.entries;
    EXPECT_EQ(e[0].kind, EntryKind::File);
    EXPECT_EQ(e[0].size, 5U);
    EXPECT_EQ(e[1].kind, EntryKind::Folder);
    EXPECT_EQ(e[4].kind, EntryKind::Link);
    EXPECT_EQ(e[4].target, "../z.txt");
    EXPECT_EQ(e[6].mode, 0640U);
    EXPECT_EQ(t.files.size(), 3U) << "every file, the empty one too, is open";
    EXPECT_TRUE(t.skipped.empty());
    // What it found is a manifest the receiver takes.
    EXPECT_EQ(proto::decode_manifest(proto::encode_manifest(t.manifest)), t.manifest);
    char first = 0;
    ASSERT_EQ(::read(t.files[0].get(), &first, 1), 1);
    EXPECT_EQ(first, '1');
}

TEST(CtlSourceTree, WhatATreeCannotCarryIsLeftOutAndNamed) {
    fixtures::TempDir dir("streamd-ctl-tree");
    const fs::path top = dir / "mixed";
    fs::create_directories(top);
    std::ofstream(top / "kept") << "x";
    std::ofstream(top / "twice") << "y";
    fs::create_hard_link(top / "twice", top / "twice again");
    ASSERT_EQ(::mkfifo((top / "pipe").c_str(), 0600), 0);
    fs::create_symlink("/etc/passwd", top / "absolute");
    fs::create_symlink("../../outside", top / "climbs out");
    std::ofstream(top / "bad\nname") << "z";

    SourceTree t = scan_source_tree(top);
    EXPECT_EQ(paths_of(t), (std::vector<std::string>{"kept", "twice"}));
    std::vector<std::string> skipped;
    for (const auto& s : t.skipped)
        skipped.push_back(s.path + ": " + s.why);
    const std::string unsendable =
        "bad\nname: its name cannot be sent: the name contains control characters";
    EXPECT_EQ(skipped, (std::vector<std::string>{
                           "absolute: the link's target is an absolute path",
                           unsendable,
                           "climbs out: the link's target leads out of the folder sent",
                           "pipe: a FIFO",
                           "twice again: a hard link to '" + (top / "twice").string() + "'",
                       }));
}

TEST(CtlSourceTree, TheFolderItselfMustBeOne) {
    fixtures::TempDir dir("streamd-ctl-tree");
    std::ofstream(dir / "file") << "x";
    EXPECT_EQ(failure_for(dir / "file"), "'" + (dir / "file").string() + "' is not a folder");
    EXPECT_EQ(failure_for(dir / "missing"),
              "cannot open '" + (dir / "missing").string() + "': No such file or directory");
    // A link given on the command line is followed, like any path the caller names.
    fs::create_directories(dir / "real");
    fs::create_symlink("real", dir / "named");
    EXPECT_EQ(scan_source_tree(dir / "named").name, "named");
}

TEST(CtlSourceTree, DotIsOfferedUnderTheFoldersRealName) {
    fixtures::TempDir dir("streamd-ctl-tree");
    fs::create_directories(dir / "here" / "sub");
    EXPECT_EQ(scan_source_tree((dir / "here" / "sub" / "..").string()).name, "here");
    EXPECT_EQ(scan_source_tree((dir / "here" / ".").string()).name, "here");
}

TEST(CtlSourceTree, OnlyFilesWithBytesArePassed) {
    fixtures::TempDir dir("streamd-ctl-tree");
    const fs::path top = dir / "top";
    fs::create_directories(top / "sub");
    std::ofstream(top / "a") << "A";
    std::ofstream(top / "b") << "";
    std::ofstream(top / "sub" / "c") << "C";

    SourceTree t = scan_source_tree(top);
    ASSERT_EQ(t.files.size(), 3U);
    std::vector<UniqueFd> data = take_data_files(t);
    ASSERT_EQ(data.size(), 2U) << "the empty file is made from the manifest alone";
    EXPECT_TRUE(t.files.empty());
    std::string firsts;
    for (const UniqueFd& fd : data) {
        char c = 0;
        ASSERT_EQ(::read(fd.get(), &c, 1), 1);
        firsts += c;
    }
    EXPECT_EQ(firsts, "AC") << "in manifest order";
}

TEST(CtlSourceTree, TheFolderItselfStaysOpen) {
    fixtures::TempDir dir("streamd-ctl-tree");
    fs::create_directories(dir / "top");
    const SourceTree t = scan_source_tree(dir / "top");
    ASSERT_TRUE(t.folder);
    struct stat st {};
    ASSERT_EQ(::fstat(t.folder.get(), &st), 0);
    EXPECT_TRUE(S_ISDIR(st.st_mode));
    EXPECT_EQ(::fcntl(t.folder.get(), F_GETFL) & O_ACCMODE, O_RDONLY);
}

TEST(CtlSourceTree, EntriesAreNamedUnderTheFolderAsGiven) {
    EXPECT_EQ(path_in_folder("photos", "x/y.jpg"), "photos/x/y.jpg");
    EXPECT_EQ(path_in_folder("photos/", "x"), "photos/x");
    EXPECT_EQ(path_in_folder("photos//", "x"), "photos/x");
    EXPECT_EQ(path_in_folder("/", "x"), "/x");
    EXPECT_EQ(path_in_folder("photos/", ""), "photos/");
}

// --- a PATH of send ---------------------------------------------------------------------

TEST(CtlSendSource, AFolderGoesWithItsManifest) {
    fixtures::TempDir dir("streamd-ctl-tree");
    const fs::path top = dir / "photos";
    fs::create_directories(top);
    std::ofstream(top / "a.jpg") << "a";
    ASSERT_EQ(::mkfifo((top / "pipe").c_str(), 0600), 0);
    std::ofstream(top / "bad\nname") << "b";

    const std::string given = top.string() + "/";
    const SendSource s = open_send_source(given, std::nullopt);
    EXPECT_EQ(s.path, given);
    EXPECT_EQ(s.name, "photos");
    ASSERT_TRUE(s.tree);
    EXPECT_FALSE(s.file);
    EXPECT_EQ(proto::decode_manifest(s.manifest), s.tree->manifest);
    EXPECT_EQ(skip_warnings(s),
              (std::vector<std::string>{
                  "skipping '" + top.string() +
                      "/bad?name': its name cannot be sent: the name contains control characters",
                  "skipping '" + top.string() + "/pipe': a FIFO",
              }));
}

TEST(CtlSendSource, AsReplacesAFoldersName) {
    fixtures::TempDir dir("streamd-ctl-tree");
    const fs::path top = dir / "two\nlines";
    fs::create_directories(top);
    try {
        open_send_source(top, std::nullopt);
        ADD_FAILURE() << "a name with a newline was offered";
    } catch (const Failure& e) {
        EXPECT_EQ(std::string(e.what()),
                  "cannot offer '" + (dir / "two?lines").string() +
                      "' under its own name: the name contains control characters; choose "
                      "another with --as NAME");
    }
    EXPECT_EQ(open_send_source(top, "one line").name, "one line");
}

TEST(CtlSendSource, AFileIsOpenedAsBefore) {
    fixtures::TempDir dir("streamd-ctl-tree");
    std::ofstream(dir / "big.iso") << "x";
    const SendSource s = open_send_source(dir / "big.iso", std::nullopt);
    EXPECT_EQ(s.name, "big.iso");
    EXPECT_TRUE(s.file);
    EXPECT_FALSE(s.tree);
    EXPECT_TRUE(skip_warnings(s).empty());
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    try {
        open_send_source(dir / "fifo", std::nullopt);
        ADD_FAILURE() << "a FIFO was opened";
    } catch (const Failure& e) {
        EXPECT_EQ(std::string(e.what()),
                  "'" + (dir / "fifo").string() + "' is neither a regular file nor a folder");
    }
}

} // namespace
} // namespace streamd::ctl

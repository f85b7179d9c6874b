// The folder a send reads from: walked without following its links, each folder before
// what it holds and in name order, with files opened, and what a tree cannot carry left
// out and named.
#include "ctl/failure.hpp"
#include "ctl/source_tree.hpp"
#include "temp_dir.hpp"

#include <fstream>
#include <gtest/gtest.h>
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
    EXPECT_EQ(paths_of(t), std::vector<std::string>{"kept"});
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
                           "twice: a hard link (2 names)",
                           "twice again: a hard link (2 names)",
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

} // namespace
} // namespace streamd::ctl

// The manifest of a folder sent as one transfer: it reads back whole, every hostile path
// or link is refused with the entry named, and the tree's data maps onto its files.
#include "byte_order.hpp"
#include "tree_manifest.hpp"

#include <gtest/gtest.h>
#include <string>

namespace streamd::proto {
namespace {

TreeEntry entry(EntryKind kind, std::string path, uint64_t size = 0, std::string target = {}) {
    TreeEntry e;
    e.kind = kind;
    e.path = std::move(path);
    e.size = size;
    e.target = std::move(target);
    return e;
}
TreeEntry folder(std::string path) {
    return entry(EntryKind::Folder, std::move(path));
}
TreeEntry file(std::string path, uint64_t size) {
    return entry(EntryKind::File, std::move(path), size);
}
TreeEntry link(std::string path, std::string target) {
    return entry(EntryKind::Link, std::move(path), 0, std::move(target));
}

TreeManifest sample() {
    TreeManifest m;
    m.entries = {folder("photos"),
                 file("photos/a b.jpg", 1000),
                 folder("photos/empty"),
                 file("photos/ünïcode.txt", 0),
                 link("photos/latest", "a b.jpg"),
                 link("photos/up", "../readme"),
                 file("readme", 7)};
    m.entries[1].mtime_sec = -5;
    m.entries[1].mtime_nsec = 999'999'999;
    return m;
}

std::string refusal(const TreeManifest& m) {
    try {
        decode_manifest(encode_manifest(m));
    } catch (const FrameError& e) {
        return e.what();
    }
    return "";
}

TEST(TreeManifest, ReadsBackWhole) {
    EXPECT_EQ(decode_manifest(encode_manifest(sample())), sample());
    EXPECT_EQ(decode_manifest(encode_manifest({})), TreeManifest{});
}

TEST(TreeManifest, AnEntryOutsideAFolderListedBeforeItIsRefused) {
    TreeManifest m;
    m.entries = {file("a/b", 1), folder("a")};
    EXPECT_EQ(refusal(m), "manifest entry 1 ('a/b'): its folder is not listed before it");
    // Through a link or a file: neither is a folder.
    m.entries = {link("a", "b"), file("a/x", 1)};
    EXPECT_EQ(refusal(m), "manifest entry 2 ('a/x'): its folder is not listed before it");
    m.entries = {file("a", 1), file("a/x", 1)};
    EXPECT_EQ(refusal(m), "manifest entry 2 ('a/x'): its folder is not listed before it");
    m.entries = {folder("a"), file("a", 1)};
    EXPECT_EQ(refusal(m), "manifest entry 2 ('a'): listed twice");
}

TEST(TreeManifest, HostilePathsAreRefused) {
    for (const char* path : {"", "/etc/passwd", "a/../b", "..", ".", "a//b", "a/", "./a", "a\nb",
                             ".streamd-x", "a/.streamd-1.part"}) {
        TreeManifest m;
        m.entries = {file(path, 1)};
        EXPECT_NE(refusal(m), "") << path;
        EXPECT_TRUE(tree_path_problem(path).has_value()) << path;
    }
    std::string deep;
    for (size_t i = 0; i <= kMaxTreeDepth + 1; ++i)
        deep += (i ? "/d" : "d");
    EXPECT_EQ(tree_path_problem(deep),
              "the path is more than " + std::to_string(kMaxTreeDepth) + " folders deep");
    EXPECT_FALSE(tree_path_problem("a b/ünï/c.txt"));
}

TEST(TreeManifest, ALinkMayNotLeadOutOfTheTree) {
    EXPECT_FALSE(link_target_problem("l", "x/y"));
    EXPECT_FALSE(link_target_problem("a/b/l", "../../x"));
    EXPECT_FALSE(link_target_problem("a/l", "./../x/./y"));
    EXPECT_EQ(link_target_problem("l", ".."), "the link's target leads out of the folder sent");
    EXPECT_EQ(link_target_problem("a/l", "../../x"),
              "the link's target leads out of the folder sent");
    EXPECT_EQ(link_target_problem("a/l", "/etc"), "the link's target is an absolute path");
    // Descending first could pass through another link and climb from wherever it leads.
    EXPECT_EQ(link_target_problem("a/b/l", "x/../y"),
              "the link's target climbs after it has descended");
    EXPECT_EQ(link_target_problem("l", ""), "the link's target is empty");
    EXPECT_EQ(link_target_problem("l", "a\x01"), "the link's target contains control characters");
    TreeManifest m;
    m.entries = {folder("a"), link("a/out", "../../etc")};
    EXPECT_EQ(refusal(m),
              "manifest entry 2 ('a/out'): the link's target leads out of the folder sent");
}

TEST(TreeManifest, KindsAndFieldsAreChecked) {
    TreeManifest m;
    m.entries = {folder("a")};
    m.entries[0].size = 1;
    EXPECT_EQ(refusal(m), "manifest entry 1 ('a'): only a file has a size");
    m.entries = {file("a", 1)};
    m.entries[0].target = "b";
    EXPECT_EQ(refusal(m), "manifest entry 1 ('a'): only a link has a target");
    m.entries = {file("a", 1)};
    m.entries[0].mtime_nsec = 1'000'000'000;
    EXPECT_EQ(refusal(m), "manifest entry 1 ('a'): mtime nanoseconds out of range");
    auto bytes = encode_manifest(sample());
    bytes[4] = 9; // the first entry's kind
    EXPECT_THROW(decode_manifest(bytes), FrameError);
    bytes = encode_manifest(sample());
    bytes[5] = 1; // its reserved byte
    EXPECT_THROW(decode_manifest(bytes), FrameError);
    bytes = encode_manifest(sample());
    bytes.push_back(0);
    EXPECT_THROW(decode_manifest(bytes), FrameError);
    bytes.resize(bytes.size() - 2);
    EXPECT_THROW(decode_manifest(bytes), FrameError);
}

TEST(TreeManifest, AnEntryCountBeyondTheBytesOrTheLimitIsRefusedBeforeAnyIsRead) {
    std::vector<uint8_t> bytes;
    Writer(bytes).u32(kMaxTreeEntries + 1);
    EXPECT_THROW(decode_manifest(bytes), FrameError);
    bytes.clear();
    Writer(bytes).u32(1000);
    EXPECT_THROW(decode_manifest(bytes), FrameError);
}

TEST(TreeLayout, TheDataIsTheFilesOneAfterAnotherInManifestOrder) {
    const TreeManifest m = sample(); // files of 1000, 0 and 7 bytes
    TreeLayout layout(m);
    EXPECT_EQ(layout.data_size(), 1007U);
    EXPECT_EQ(layout.files(), 2U);
    EXPECT_EQ(layout.extents(0, 1007), (std::vector<Extent>{{1, 0, 1000}, {6, 0, 7}}));
    EXPECT_EQ(layout.extents(999, 3), (std::vector<Extent>{{1, 999, 1}, {6, 0, 2}}));
    EXPECT_EQ(layout.extents(1003, 4), (std::vector<Extent>{{6, 3, 4}}));
    EXPECT_EQ(layout.extents(10, 0), std::vector<Extent>{});
    EXPECT_EQ(TreeLayout(TreeManifest{}).extents(0, 0), std::vector<Extent>{});
}

TEST(TreeLayout, ManySmallFilesShareAChunk) {
    TreeManifest m;
    for (int i = 0; i < 100; ++i)
        m.entries.push_back(file("f" + std::to_string(i), 64));
    TreeLayout layout(m);
    auto pieces = layout.extents(32, 64 * 10);
    ASSERT_EQ(pieces.size(), 11U);
    EXPECT_EQ(pieces.front(), (Extent{0, 32, 32}));
    EXPECT_EQ(pieces.back(), (Extent{10, 0, 32}));
}

} // namespace
} // namespace streamd::proto

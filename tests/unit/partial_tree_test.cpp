// A folder being received: built hidden from its manifest, written beneath itself only,
// placed whole with every entry's mode and mtime and its links, and removed without
// following a link, whatever was put inside it.
#include "storage/partial_tree.hpp"
#include "temp_dir.hpp"

#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace streamd {
namespace {

namespace fs = std::filesystem;
using proto::EntryKind;

proto::TreeEntry entry(EntryKind kind, std::string path, uint32_t mode, uint64_t size = 0,
                       std::string target = {}) {
    proto::TreeEntry e;
    e.kind = kind;
    e.path = std::move(path);
    e.mode = mode;
    e.mtime_sec = 1'500'000'000;
    e.mtime_nsec = 42;
    e.size = size;
    e.target = std::move(target);
    return e;
}

class PartialTreeTest : public ::testing::Test {
protected:
    PartialTreeTest() : storage_(config(tmp_.path() / "incoming", OnConflict::Rename)) {}

    static Config::Storage config(const fs::path& incoming, OnConflict policy) {
        Config::Storage c;
        c.incoming = incoming;
        c.reserve = 0;
        c.on_conflict = policy;
        return c;
    }
    static proto::TreeManifest manifest() {
        proto::TreeManifest m;
        m.entries = {entry(EntryKind::Folder, "sub", 0750),
                     entry(EntryKind::File, "sub/data.bin", 0640, 10),
                     entry(EntryKind::Folder, "sub/empty", 0700),
                     entry(EntryKind::Link, "sub/latest", 0777, 0, "data.bin"),
                     entry(EntryKind::File, "top.txt", 0604, 0)};
        return m;
    }
    static proto::Offer offer() {
        proto::Offer o;
        o.id.fill(0xAB);
        o.name = "photos";
        o.mode = 0755;
        o.mtime_sec = 1'600'000'000;
        return o;
    }
    fs::path incoming() const { return tmp_.path() / "incoming"; }

    fixtures::TempDir tmp_{"streamd-partial-tree"};
    Storage storage_;
};

TEST_F(PartialTreeTest, IsBuiltHiddenAndPlacedWhole) {
    PartialTree tree(storage_, offer().id, manifest(), false);
    const fs::path hidden = incoming() / PartialTree::folder_name(offer().id);
    EXPECT_EQ(fs::file_size(hidden / "sub" / "data.bin"), 10U);
    EXPECT_EQ(fs::status(hidden).permissions(), fs::perms::owner_all);
    EXPECT_FALSE(fs::exists(fs::symlink_status(hidden / "sub" / "latest")))
        << "links come only at the end";
    {
        UniqueFd fd = tree.open_file(1, O_WRONLY);
        ASSERT_EQ(::pwrite(fd.get(), "0123456789", 10, 0), 10);
    }
    EXPECT_EQ(tree.place(offer()), "photos");
    const fs::path placed = incoming() / "photos";
    EXPECT_FALSE(fs::exists(hidden));
    std::ifstream in(placed / "sub" / "latest");
    std::string through_link;
    in >> through_link;
    EXPECT_EQ(through_link, "0123456789");
    EXPECT_EQ(fs::read_symlink(placed / "sub" / "latest"), "data.bin");
    struct stat st {};
    ASSERT_EQ(::stat((placed / "sub").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0750U);
    EXPECT_EQ(st.st_mtim.tv_sec, 1'500'000'000) << "set after what it holds was made";
    ASSERT_EQ(::stat((placed / "top.txt").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0604U);
    EXPECT_EQ(st.st_mtim.tv_nsec, 42);
    ASSERT_EQ(::stat(placed.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0755U);
    EXPECT_EQ(st.st_mtim.tv_sec, 1'600'000'000);
}

TEST_F(PartialTreeTest, AClashOnTheTopLevelNameFollowsOnConflict) {
    fs::create_directories(incoming() / "photos");
    PartialTree tree(storage_, offer().id, manifest(), false);
    EXPECT_EQ(tree.place(offer()), "photos (1)");
    EXPECT_TRUE(fs::is_directory(incoming() / "photos (1)" / "sub" / "empty"));
}

TEST_F(PartialTreeTest, DiscardingFollowsNoLinkPlantedInside) {
    fs::create_directories(tmp_.path() / "outside");
    std::ofstream(tmp_.path() / "outside" / "precious") << "keep";
    PartialTree tree(storage_, offer().id, manifest(), false);
    const fs::path hidden = incoming() / PartialTree::folder_name(offer().id);
    fs::create_directory_symlink(tmp_.path() / "outside", hidden / "sub" / "planted");
    tree.discard();
    EXPECT_FALSE(fs::exists(hidden));
    EXPECT_TRUE(fs::exists(tmp_.path() / "outside" / "precious"));
}

TEST_F(PartialTreeTest, WritesCannotBeLedOutThroughAFolderReplacedByALink) {
    fs::create_directories(tmp_.path() / "outside");
    PartialTree tree(storage_, offer().id, manifest(), false);
    const fs::path hidden = incoming() / PartialTree::folder_name(offer().id);
    fs::remove_all(hidden / "sub");
    fs::create_directory_symlink(tmp_.path() / "outside", hidden / "sub");
    EXPECT_THROW(tree.open_file(1, O_WRONLY), Refusal);
    EXPECT_TRUE(fs::is_empty(tmp_.path() / "outside"));
}

TEST_F(PartialTreeTest, AFailedBuildLeavesNothingBehind) {
    // The same folder twice, which decode_manifest never lets through: a way to make the
    // build fail half-way.
    proto::TreeManifest twice = manifest();
    twice.entries.push_back(entry(EntryKind::Folder, "sub", 0700));
    EXPECT_THROW(PartialTree(storage_, offer().id, twice, false), Refusal);
    EXPECT_TRUE(fs::is_empty(incoming()));
    // Another transfer's folder under the same id is neither taken over nor removed.
    PartialTree first(storage_, offer().id, manifest(), false);
    EXPECT_THROW(PartialTree(storage_, offer().id, manifest(), false), Refusal);
    EXPECT_TRUE(fs::exists(incoming() / PartialTree::folder_name(offer().id) / "top.txt"));
}

TEST_F(PartialTreeTest, AnEarlierAttemptsFolderIsTakenWithItsData) {
    const fs::path hidden = incoming() / PartialTree::folder_name(offer().id);
    {
        PartialTree first(storage_, offer().id, manifest(), false);
        UniqueFd fd = first.open_file(1, O_WRONLY);
        ASSERT_EQ(::pwrite(fd.get(), "0123456789", 10, 0), 10);
    }
    // A kill in the middle of place() leaves a link made.
    fs::create_symlink("data.bin", hidden / "sub" / "latest");
    PartialTree again(storage_, offer().id, manifest(), true);
    EXPECT_TRUE(again.reused());
    std::ifstream in(hidden / "sub" / "data.bin");
    std::string kept;
    in >> kept;
    EXPECT_EQ(kept, "0123456789");
    EXPECT_EQ(again.place(offer()), "photos");
    EXPECT_EQ(fs::read_symlink(incoming() / "photos" / "sub" / "latest"), "data.bin");
}

TEST_F(PartialTreeTest, AFolderThatNoLongerFitsTheManifestStartsOver) {
    const fs::path hidden = incoming() / PartialTree::folder_name(offer().id);
    { PartialTree first(storage_, offer().id, manifest(), false); }
    fs::remove(hidden / "top.txt");
    fs::create_directory(hidden / "top.txt");
    std::ofstream(hidden / "sub" / "stray") << "not in the manifest";
    PartialTree again(storage_, offer().id, manifest(), true);
    EXPECT_FALSE(again.reused());
    EXPECT_TRUE(fs::is_regular_file(hidden / "top.txt"));
    EXPECT_FALSE(fs::exists(hidden / "sub" / "stray"));
}

} // namespace
} // namespace streamd

// The journal kept behind the data: no chunk reaches the journal on disk before a sync
// has covered it, batches form at kSyncBatchBytes, and a closed journal records nothing.

#include "storage/synced_journal.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <vector>

namespace streamd {
namespace {

constexpr uint64_t kChunk = 4 << 20;

class SyncedJournalTest : public ::testing::Test {
protected:
    SyncedJournalTest() {
        offer_.id.fill(0x17);
        offer_.chunk_size = kChunk;
        offer_.size = 64 * kChunk;
        offer_.name = "disk.img";
    }

    std::unique_ptr<SyncedJournal> open(bool syncs) {
        UniqueFd fd(::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
        return std::make_unique<SyncedJournal>(TransferJournal::create(std::move(fd), offer_),
                                               syncs);
    }

    // The chunk indexes the journal on disk vouches for, in order.
    std::vector<uint64_t> on_disk() const {
        std::ifstream in(path_, std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
        std::vector<uint64_t> indexes;
        for (const auto& e : parse_journal(bytes).entries)
            indexes.push_back(e.index);
        std::sort(indexes.begin(), indexes.end());
        return indexes;
    }

    fixtures::TempDir dir_{"streamd-synced-journal"};
    std::filesystem::path path_ = dir_ / "j";
    proto::Offer offer_;
};

TEST_F(SyncedJournalTest, NoChunkIsRecordedBeforeASyncCoversIt) {
    auto journal = open(true);
    const uint64_t below = kSyncBatchBytes / kChunk - 1;
    for (uint64_t i = 0; i < below; ++i)
        ASSERT_TRUE(journal->add({i, 100 + i}, kChunk));
    EXPECT_FALSE(journal->take_batch()) << "a batch before enough data waits";
    EXPECT_TRUE(on_disk().empty());

    ASSERT_TRUE(journal->add({below, 100 + below}, kChunk));
    const auto batch = journal->take_batch();
    ASSERT_TRUE(batch);
    EXPECT_TRUE(batch.journal) << "no journal to sync with the data";
    EXPECT_TRUE(on_disk().empty()) << "recorded before the sync came back";
    EXPECT_TRUE(journal->add({below + 1, 1}, kSyncBatchBytes));
    const auto next = journal->take_batch();
    ASSERT_TRUE(next);

    ASSERT_TRUE(journal->record(batch.id));
    EXPECT_EQ(on_disk().size(), below + 1) << "not just the chunks of the batch synced";
    ASSERT_TRUE(journal->record(next.id));
    EXPECT_EQ(on_disk().size(), below + 2);
}

TEST_F(SyncedJournalTest, WithoutSyncingEveryChunkIsRecordedAtOnce) {
    auto journal = open(false);
    ASSERT_TRUE(journal->add({3, 1}, kChunk));
    EXPECT_EQ(on_disk(), std::vector<uint64_t>{3});
    EXPECT_TRUE(journal->add({4, 1}, kSyncBatchBytes));
    EXPECT_FALSE(journal->take_batch());
    EXPECT_EQ(on_disk(), (std::vector<uint64_t>{3, 4}));
}

TEST_F(SyncedJournalTest, AFlushRecordsWhateverWaitsOnceTheFileIsSynced) {
    auto journal = open(true);
    ASSERT_TRUE(journal->add({2, 1}, kSyncBatchBytes));
    // A batch whose sync has not come back, and will not: its stream went away.
    ASSERT_TRUE(journal->take_batch());
    ASSERT_TRUE(journal->add({9, 1}, kChunk));
    fixtures::TempDir other("streamd-synced-journal-data");
    UniqueFd data(::open((other / "data").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    ASSERT_TRUE(journal->flush([&] { return ::fdatasync(data.get()) == 0; }));
    EXPECT_EQ(on_disk(), (std::vector<uint64_t>{2, 9}));
    EXPECT_TRUE(journal->flush([] { return false; })) << "nothing waits, yet it synced";
}

TEST_F(SyncedJournalTest, AFlushThatCannotSyncTheFileRecordsNothing) {
    auto journal = open(true);
    ASSERT_TRUE(journal->add({2, 1}, kChunk));
    EXPECT_FALSE(journal->flush([] { return false; }));
    EXPECT_TRUE(on_disk().empty());
}

TEST_F(SyncedJournalTest, AfterCloseNothingIsRecorded) {
    auto journal = open(true);
    for (uint64_t i = 0; i * kChunk < kSyncBatchBytes; ++i)
        ASSERT_TRUE(journal->add({i, 1}, kChunk));
    const auto batch = journal->take_batch();
    ASSERT_TRUE(batch);
    // The file was put in place while the sync was in flight.
    journal->close();
    EXPECT_TRUE(journal->record(batch.id));
    EXPECT_TRUE(journal->add({40, 1}, kChunk));
    EXPECT_TRUE(on_disk().empty());
}

} // namespace
} // namespace streamd

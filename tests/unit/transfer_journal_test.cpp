// The journal beside a partial file: what it records reads back, a record torn or never
// written counts as missing, and a journal that cannot be trusted as a whole is refused.

#include "storage/transfer_journal.hpp"

#include <gtest/gtest.h>
#include <vector>

namespace streamd {
namespace {

proto::Offer sample_offer() {
    proto::Offer o;
    o.id.fill(0x5A);
    o.chunk_size = 64 * 1024;
    o.size = 10 * 64 * 1024 + 17; // 11 chunks
    o.mtime_sec = 1'700'000'000;
    o.name = "report.pdf";
    return o;
}

std::vector<uint8_t> journal_with(const std::vector<JournalEntry>& entries) {
    auto bytes = encode_journal_header(sample_offer());
    for (const auto& e : entries) {
        auto r = encode_journal_record(e);
        bytes.insert(bytes.end(), r.begin(), r.end());
    }
    return bytes;
}

bool same(const std::vector<JournalEntry>& a, const std::vector<JournalEntry>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].index != b[i].index || a[i].digest != b[i].digest) return false;
    return true;
}

TEST(TransferJournal, ReadsBackTheOfferAndEveryRecord) {
    const std::vector<JournalEntry> entries{{0, 0x1111}, {7, 0}, {10, ~uint64_t{0}}};
    JournalContents c = parse_journal(journal_with(entries));
    EXPECT_EQ(c.offer.id, sample_offer().id);
    EXPECT_EQ(c.offer.name, "report.pdf");
    EXPECT_EQ(c.offer.size, sample_offer().size);
    EXPECT_EQ(c.offer.mtime_sec, sample_offer().mtime_sec);
    EXPECT_TRUE(same(c.entries, entries));
    EXPECT_EQ(c.slots, 3u);
}

TEST(TransferJournal, ATornRecordOrAGapIsSkipped) {
    auto bytes = journal_with({{1, 0xAB}, {2, 0xCD}, {3, 0xEF}});
    const size_t header = encode_journal_header(sample_offer()).size();
    // The second record was never written (a gap another stream left), the third is torn.
    std::fill(bytes.begin() + header + kJournalRecordSize,
              bytes.begin() + header + 2 * kJournalRecordSize, 0);
    bytes.resize(bytes.size() - 5);
    JournalContents c = parse_journal(bytes);
    EXPECT_TRUE(same(c.entries, {{1, 0xAB}}));
    // New records go after every slot in use, torn ones included.
    EXPECT_EQ(c.slots, 3u);
}

TEST(TransferJournal, AFlippedBitInARecordDropsOnlyThatRecord) {
    auto bytes = journal_with({{4, 0x44}, {5, 0x55}});
    bytes[encode_journal_header(sample_offer()).size() + 3] ^= 0x10;
    EXPECT_TRUE(same(parse_journal(bytes).entries, {{5, 0x55}}));
}

TEST(TransferJournal, ADamagedHeaderIsRefused) {
    const auto good = journal_with({{0, 1}});
    for (size_t at : {size_t{0}, size_t{5}, size_t{20}, good.size() - kJournalRecordSize - 1}) {
        auto bad = good;
        bad[at] ^= 0x01;
        EXPECT_THROW(parse_journal(bad), JournalError) << "byte " << at;
    }
    EXPECT_THROW(parse_journal(std::vector<uint8_t>(good.begin(), good.begin() + 30)),
                 JournalError);
    EXPECT_THROW(parse_journal({}), JournalError);
}

TEST(TransferJournal, ARecordForAChunkTheFileDoesNotHaveIsRefused) {
    EXPECT_THROW(parse_journal(journal_with({{11, 1}})), JournalError);
}

TEST(TransferJournal, FarMoreRecordsThanChunksIsRefused) {
    std::vector<JournalEntry> many(11 * 8, JournalEntry{0, 1});
    EXPECT_THROW(parse_journal(journal_with(many)), JournalError);
}

} // namespace
} // namespace streamd

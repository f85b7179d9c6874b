// What the state folder keeps of a queued transfer reads back whole, and anything damaged is
// recognised rather than picked up.

#include "digest.hpp"
#include "temp_dir.hpp"
#include "transfer/outgoing_state.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>

namespace streamd {
namespace {

SavedTransfer sample() {
    SavedTransfer t;
    t.offer.id.fill(0x3C);
    t.offer.stream_count = 8;
    t.offer.chunk_size = 4 * 1024 * 1024;
    t.offer.size = 123'456'789;
    t.offer.mtime_sec = 1'700'000'000;
    t.offer.mtime_nsec = 42;
    t.offer.name = "disk image.iso";
    t.destination = "[2001:db8::1]:7740";
    t.path = "/srv/images/disk image.iso";
    t.device = 2049;
    t.inode = 987'654;
    t.max_rate = 10 * 1024 * 1024;
    return t;
}

void expect_same(const SavedTransfer& a, const SavedTransfer& b) {
    EXPECT_EQ(a.offer.id, b.offer.id);
    EXPECT_EQ(a.offer.stream_count, b.offer.stream_count);
    EXPECT_EQ(a.offer.chunk_size, b.offer.chunk_size);
    EXPECT_EQ(a.offer.size, b.offer.size);
    EXPECT_EQ(a.offer.mtime_sec, b.offer.mtime_sec);
    EXPECT_EQ(a.offer.mtime_nsec, b.offer.mtime_nsec);
    EXPECT_EQ(a.offer.name, b.offer.name);
    EXPECT_EQ(a.destination, b.destination);
    EXPECT_EQ(a.path, b.path);
    EXPECT_EQ(a.device, b.device);
    EXPECT_EQ(a.inode, b.inode);
    EXPECT_EQ(a.max_rate, b.max_rate);
}

TEST(OutgoingState, ARecordReadsBackWhole) {
    expect_same(decode_saved_transfer(encode_saved_transfer(sample())), sample());
}

TEST(OutgoingState, ARecordOfTheFirstVersionReadsBackWithoutARateLimit) {
    // Version 1 ended with the inode: the same record without max_rate, checksummed again.
    auto bytes = encode_saved_transfer(sample());
    bytes.resize(bytes.size() - 16);
    bytes[5] = 1; // the version, big-endian after the 4-byte magic
    const uint64_t sum = proto::chunk_digest(bytes);
    for (int shift = 56; shift >= 0; shift -= 8)
        bytes.push_back(static_cast<uint8_t>(sum >> shift));
    SavedTransfer expected = sample();
    expected.max_rate = 0;
    expect_same(decode_saved_transfer(bytes), expected);
}

TEST(OutgoingState, AnyDamageIsRecognised) {
    const auto good = encode_saved_transfer(sample());
    for (size_t at = 0; at < good.size(); at += 7) {
        auto bad = good;
        bad[at] ^= 0x20;
        EXPECT_THROW(decode_saved_transfer(bad), std::runtime_error) << "byte " << at;
    }
    EXPECT_THROW(decode_saved_transfer({good.begin(), good.end() - 1}), std::runtime_error);
    EXPECT_THROW(decode_saved_transfer({}), std::runtime_error);
}

TEST(OutgoingState, SavedRemovedAndDamagedFilesInTheFolder) {
    fixtures::TempDir dir("streamd-state-test");
    OutgoingState state(dir / "state", SyncMode::Data);
    struct stat st {};
    ASSERT_EQ(::stat((dir / "state").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);

    ASSERT_TRUE(state.save(sample()));
    auto other = sample();
    other.offer.id.fill(0x01);
    ASSERT_TRUE(state.save(other));
    std::ofstream(dir / "state" / "0000.send") << "not a transfer";

    auto loaded = state.load();
    ASSERT_EQ(loaded.size(), 2u);
    EXPECT_FALSE(std::filesystem::exists(dir / "state" / "0000.send"));

    state.remove(other.offer.id);
    loaded = state.load();
    ASSERT_EQ(loaded.size(), 1u);
    expect_same(loaded[0], sample());
}

} // namespace
} // namespace streamd

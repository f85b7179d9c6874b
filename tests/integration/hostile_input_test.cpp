// Whatever a peer sends, the daemon refuses it with a clear ERROR, writes nothing outside
// (or left over inside) its incoming folder, and goes on serving.

#include "digest.hpp"
#include "file_name.hpp"
#include "raw_peer.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "wait_until.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

proto::Offer offer_named(std::string name, std::uint8_t id = 1) {
    proto::Offer o;
    o.id.fill(id);
    o.chunk_size = 64 * 1024;
    o.size = 256 * 1024;
    o.name = std::move(name);
    return o;
}

// Bytes that differ from chunk to chunk, so that a chunk stored in the wrong place shows.
std::vector<std::uint8_t> pattern(std::size_t size, std::uint8_t seed) {
    std::vector<std::uint8_t> bytes(size);
    for (std::size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<std::uint8_t>(seed + i * 7 + i / 4096);
    return bytes;
}

// What a real sender sends for the chunk at `offset`: the CHUNK frame, then its bytes.
// Returns the chunk's digest.
std::uint64_t send_chunk(RawPeer& peer, const std::vector<std::uint8_t>& file, std::uint64_t offset,
                         std::uint64_t chunk_size) {
    const std::size_t length =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk_size, file.size() - offset));
    const std::span<const std::uint8_t> bytes(file.data() + offset, length);
    const std::uint64_t digest = proto::chunk_digest(bytes);
    peer.send_frame(proto::Chunk{offset, static_cast<std::uint32_t>(length), 0, digest});
    peer.send(bytes);
    return digest;
}

// Whether the next frame is a CHUNK_ACK saying the chunk at `offset` was written.
::testing::AssertionResult acked(RawPeer& peer, std::uint64_t offset) {
    auto f = peer.read_frame();
    if (!f) return ::testing::AssertionFailure() << "closed instead of CHUNK_ACK";
    if (f->header.type != proto::FrameType::ChunkAck)
        return ::testing::AssertionFailure()
               << proto::to_string(f->header.type) << " instead of CHUNK_ACK";
    const auto ack = proto::decode_chunk_ack(f->body);
    if (ack.offset != offset || ack.status != proto::AckStatus::Ok)
        return ::testing::AssertionFailure()
               << "CHUNK_ACK for " << ack.offset << " with status " << static_cast<int>(ack.status);
    return ::testing::AssertionSuccess();
}

std::string file_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class HostileInput : public ::testing::Test {
protected:
    // One daemon for the whole suite: every case must leave it serving the next.
    static void SetUpTestSuite() { daemon_ = std::make_unique<StreamdInstance>(); }
    static void TearDownTestSuite() { daemon_.reset(); }

    void TearDown() override {
        EXPECT_TRUE(welcomed(daemon().port())) << "streamd stopped serving\n" << daemon().log();
        // Partial files go once their connection is gone; nothing else may ever appear.
        EXPECT_TRUE(wait_until([&] { return entries_in(daemon().incoming()).empty(); }))
            << ::testing::PrintToString(entries_in(daemon().incoming()));
    }

    static StreamdInstance& daemon() { return *daemon_; }

    // A connection that has said hello.
    RawPeer greeted() {
        RawPeer peer(daemon().port());
        EXPECT_TRUE(peer.handshake()) << daemon().log();
        return peer;
    }

    // The peer gets exactly this ERROR and then the connection closes.
    void expect_refusal(RawPeer& peer, proto::ErrorCode code, const std::string& words) {
        auto e = next_error(peer);
        ASSERT_TRUE(e.has_value()) << "no ERROR frame\n" << daemon().log();
        EXPECT_EQ(e->code, code) << e->message;
        EXPECT_NE(e->message.find(words), std::string::npos) << e->message;
        EXPECT_TRUE(peer.read_until_closed().has_value()) << "connection left open";
    }

    static std::unique_ptr<StreamdInstance> daemon_;
};

std::unique_ptr<StreamdInstance> HostileInput::daemon_;

TEST_F(HostileInput, NamesThatAreNotBareFileNames) {
    const std::vector<std::string> names = {"../x",
                                            "/etc/passwd",
                                            "a/../../b",
                                            std::string("nul\0byte", 8),
                                            "tab\there",
                                            "bell\a",
                                            "esc\x1b[2J",
                                            ".",
                                            "..",
                                            "",
                                            "\xff\xfe",
                                            ".streamd-0123456789abcdef.part",
                                            std::string(256, 'n')};
    for (const std::string& name : names) {
        SCOPED_TRACE(::testing::PrintToString(name));
        RawPeer peer = greeted();
        peer.send_frame(offer_named(name));
        expect_refusal(peer, proto::ErrorCode::BadName, "");
    }
    // Outside the folder too: nothing named after those attempts exists next to it.
    EXPECT_FALSE(fs::exists(daemon().incoming().parent_path() / "x"));
    EXPECT_FALSE(fs::exists(daemon().incoming().parent_path().parent_path() / "b"));
}

TEST_F(HostileInput, LookAlikeNamesAreStoredAsThemselves) {
    // Unicode that only looks like a path or a dot is a name like any other: kept, not
    // interpreted. (FULLWIDTH SOLIDUS, ONE DOT LEADER twice, DIVISION SLASH.)
    for (const std::string name : {"a\xef\xbc\x8f"
                                   "b",
                                   "\xe2\x80\xa4\xe2\x80\xa4", "x\xe2\x88\x95y"}) {
        SCOPED_TRACE(name);
        RawPeer peer = greeted();
        auto offer = offer_named(name, 2);
        offer.size = 0;
        offer.digest = proto::DigestAlgorithm::None;
        peer.send_frame(offer);
        auto f = peer.read_frame();
        ASSERT_TRUE(f.has_value());
        EXPECT_EQ(f->header.type, proto::FrameType::Accept);
        peer.send_frame(proto::Finish{});
        f = peer.read_frame();
        ASSERT_TRUE(f.has_value());
        ASSERT_EQ(f->header.type, proto::FrameType::Done);
        EXPECT_TRUE(fs::exists(daemon().incoming() / name));
        fs::remove(daemon().incoming() / name);
    }
}

TEST_F(HostileInput, A4KiBNameIsAnOversizedFrame) {
    RawPeer peer = greeted();
    peer.send_frame(offer_named(std::string(4096, 'n')));
    expect_refusal(peer, proto::ErrorCode::BadFrame, "");
}

TEST_F(HostileInput, WrongProtocolVersion) {
    RawPeer peer(daemon().port());
    peer.send_preamble(proto::kVersion + 1);
    expect_refusal(peer, proto::ErrorCode::UnsupportedVersion, "not supported");
}

TEST_F(HostileInput, GarbageInsteadOfAPreambleIsClosedUnanswered) {
    RawPeer peer(daemon().port());
    const std::uint8_t garbage[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    peer.send(garbage);
    auto said = peer.read_until_closed();
    ASSERT_TRUE(said.has_value());
    EXPECT_EQ(*said, "");
}

TEST_F(HostileInput, TruncatedFrameThenClose) {
    RawPeer peer = greeted();
    std::vector<std::uint8_t> frame;
    proto::encode(offer_named("cut.bin"), frame);
    frame.resize(frame.size() / 2);
    peer.send(frame);
    peer.close();
}

TEST_F(HostileInput, OversizedLengthAndUnknownType) {
    {
        RawPeer peer = greeted();
        std::vector<std::uint8_t> header;
        proto::encode(proto::Done{"x"}, header);
        header.resize(proto::kHeaderSize);
        header[4] = header[5] = header[6] = header[7] = 0xff; // body length 4 GiB - 1
        peer.send(header);
        expect_refusal(peer, proto::ErrorCode::BadFrame, "");
    }
    {
        RawPeer peer = greeted();
        std::vector<std::uint8_t> header;
        proto::encode(proto::Done{"x"}, header);
        header[0] = 0xee; // no such frame type
        peer.send(header);
        expect_refusal(peer, proto::ErrorCode::BadFrame, "");
    }
}

TEST_F(HostileInput, FramesOutOfPlace) {
    {
        RawPeer peer = greeted();
        peer.send_frame(proto::Chunk{0, 4096, 0, 0});
        expect_refusal(peer, proto::ErrorCode::BadFrame, "CHUNK before OFFER");
    }
    {
        RawPeer peer = greeted();
        peer.send_frame(proto::Finish{});
        expect_refusal(peer, proto::ErrorCode::BadFrame, "FINISH before OFFER");
    }
    {
        RawPeer peer = greeted();
        proto::Join join;
        join.id.fill(0x77);
        join.index = 1;
        join.count = 2;
        peer.send_frame(join);
        expect_refusal(peer, proto::ErrorCode::UnknownTransfer, "no running transfer");
    }
}

TEST_F(HostileInput, ChunksThatDoNotFitTheOffer) {
    const std::vector<proto::Chunk> bad = {
        {256 * 1024, 64 * 1024, 0, 0},   // offset past the end
        {1000, 64 * 1024, 0, 0},         // not on a chunk boundary
        {0, 65 * 1024, 0, 0},            // longer than a chunk
        {192 * 1024, 128 * 1024, 0, 0},  // runs past the end
        {UINT64_MAX - 4095, 4096, 0, 0}, // wraps around
    };
    std::uint8_t id = 10;
    for (const proto::Chunk& c : bad) {
        SCOPED_TRACE(c.offset);
        RawPeer peer = greeted();
        peer.send_frame(offer_named("chunks.bin", id++));
        auto accepted = peer.read_frame();
        ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept);
        peer.send_frame(c);
        expect_refusal(peer, proto::ErrorCode::BadFrame, "CHUNK");
    }
}

TEST_F(HostileInput, TheSameChunkTwice) {
    RawPeer peer = greeted();
    // Unverified, so that the first copy is taken as it is: a chunk that failed its digest
    // may come again, one that was written may not.
    auto offer = offer_named("twice.bin", 30);
    offer.digest = proto::DigestAlgorithm::None;
    peer.send_frame(offer);
    auto accepted = peer.read_frame();
    ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept);
    proto::Chunk hole{0, 64 * 1024, proto::kChunkHole, 0};
    peer.send_frame(hole);
    auto ack = peer.read_frame();
    ASSERT_TRUE(ack && ack->header.type == proto::FrameType::ChunkAck);
    EXPECT_EQ(proto::decode_chunk_ack(ack->body).status, proto::AckStatus::Ok);
    peer.send_frame(hole);
    expect_refusal(peer, proto::ErrorCode::BadFrame, "already received");
}

TEST_F(HostileInput, AChunkWithAWrongDigestIsAskedForAgain) {
    RawPeer peer = greeted();
    auto offer = offer_named("digest.bin", 50);
    offer.size = 64 * 1024;
    peer.send_frame(offer);
    auto accepted = peer.read_frame();
    ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept);

    proto::Chunk hole{0, 64 * 1024, proto::kChunkHole, proto::zero_digest(64 * 1024) ^ 1};
    peer.send_frame(hole);
    auto ack = peer.read_frame();
    ASSERT_TRUE(ack && ack->header.type == proto::FrameType::ChunkAck);
    EXPECT_EQ(proto::decode_chunk_ack(ack->body).status, proto::AckStatus::BadDigest);

    hole.digest = proto::zero_digest(64 * 1024);
    peer.send_frame(hole);
    ack = peer.read_frame();
    ASSERT_TRUE(ack && ack->header.type == proto::FrameType::ChunkAck);
    EXPECT_EQ(proto::decode_chunk_ack(ack->body).status, proto::AckStatus::Ok);

    std::uint64_t digests[] = {hole.digest};
    peer.send_frame(proto::Finish{proto::file_digest(digests)});
    auto done = peer.read_frame();
    ASSERT_TRUE(done && done->header.type == proto::FrameType::Done) << daemon().log();
    EXPECT_EQ(fs::file_size(daemon().incoming() / "digest.bin"), 64u * 1024);
    fs::remove(daemon().incoming() / "digest.bin");
}

TEST_F(HostileInput, AnOfferOnAStreamThatCarriesOne) {
    RawPeer peer = greeted();
    peer.send_frame(offer_named("first.bin", 40));
    auto accepted = peer.read_frame();
    ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept);
    peer.send_frame(offer_named("second.bin", 41));
    expect_refusal(peer, proto::ErrorCode::BadFrame, "OFFER on a stream");
}

TEST_F(HostileInput, CancelFrames) {
    {
        // For a transfer nobody knows: nothing to do, the connection just ends.
        RawPeer peer = greeted();
        proto::Cancel cancel;
        cancel.id.fill(0x77);
        peer.send_frame(cancel);
        auto said = peer.read_until_closed();
        ASSERT_TRUE(said.has_value());
        EXPECT_EQ(*said, "");
    }
    {
        RawPeer peer = greeted();
        peer.send_frame(offer_named("cancel.bin", 60));
        auto accepted = peer.read_frame();
        ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept)
            << daemon().log();
        proto::Cancel cancel;
        cancel.id.fill(60);
        peer.send_frame(cancel);
        expect_refusal(peer, proto::ErrorCode::BadFrame, "CANCEL on a stream");
    }
    {
        RawPeer peer = greeted();
        std::vector<uint8_t> frame;
        proto::encode(proto::Cancel{}, frame);
        frame[7] = 15; // a body one byte short
        frame.pop_back();
        peer.send(frame);
        expect_refusal(peer, proto::ErrorCode::BadFrame, "CANCEL");
    }
}

TEST_F(HostileInput, AJoinPastItsStreamCountIsRefusedAndTheTransferGoesOn) {
    const std::vector<std::uint8_t> file = pattern(128 * 1024, 0x4a);
    auto offer = offer_named("joined.bin", 70);
    offer.stream_count = 2;
    offer.size = file.size();
    RawPeer first = greeted();
    first.send_frame(offer);
    auto accepted = first.read_frame();
    ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept) << daemon().log();

    // Streams are numbered 0 to count - 1: an index at or past the count is a malformed JOIN,
    // whichever transfer it names.
    for (std::uint16_t index : {std::uint16_t{2}, std::uint16_t{3}, std::uint16_t{65535}}) {
        SCOPED_TRACE(index);
        RawPeer hostile = greeted();
        proto::Join join;
        join.id = offer.id;
        join.index = index;
        join.count = 2;
        hostile.send_frame(join);
        expect_refusal(hostile, proto::ErrorCode::BadFrame, "out of range");
    }

    // The transfer they named still takes its second stream and completes.
    RawPeer second = greeted();
    second.send_frame(proto::Join{offer.id, 1, 2});
    auto joined = second.read_frame();
    ASSERT_TRUE(joined && joined->header.type == proto::FrameType::Accept) << daemon().log();
    std::uint64_t digests[2];
    digests[0] = send_chunk(first, file, 0, offer.chunk_size);
    digests[1] = send_chunk(second, file, offer.chunk_size, offer.chunk_size);
    ASSERT_TRUE(acked(first, 0)) << daemon().log();
    ASSERT_TRUE(acked(second, offer.chunk_size)) << daemon().log();
    second.send_frame(proto::Finish{proto::file_digest(digests)});
    auto done = second.read_frame();
    ASSERT_TRUE(done && done->header.type == proto::FrameType::Done) << daemon().log();
    EXPECT_EQ(file_text(daemon().incoming() / "joined.bin"), std::string(file.begin(), file.end()));
    fs::remove(daemon().incoming() / "joined.bin");
}

TEST_F(HostileInput, NamesOfTheDaemonsOwnFilesAreRefusedAndNothingIsWritten) {
    // A transfer in progress, so that its partial file and journal are there to be aimed at.
    auto running = offer_named("owner.bin", 80);
    RawPeer owner = greeted();
    owner.send_frame(running);
    auto accepted = owner.read_frame();
    ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept) << daemon().log();
    const std::string running_hex = proto::to_hex(running.id);
    proto::TransferId other;
    other.fill(0x8f);
    const std::string other_hex = proto::to_hex(other);
    ASSERT_EQ(running_hex.size(), 32u);

    std::map<std::string, std::string> before;
    for (const auto& name : entries_in(daemon().incoming()))
        before[name] = file_text(daemon().incoming() / name);
    EXPECT_TRUE(before.contains(".streamd-" + running_hex + ".part"))
        << ::testing::PrintToString(entries_in(daemon().incoming()));

    std::uint8_t id = 81;
    for (const std::string& name :
         {".streamd-" + running_hex + ".journal", ".streamd-" + running_hex + ".part",
          ".streamd-" + other_hex + ".journal", ".streamd-" + other_hex + ".part"}) {
        SCOPED_TRACE(name);
        RawPeer peer = greeted();
        auto offer = offer_named(name, id++);
        offer.size = 0;
        peer.send_frame(offer);
        expect_refusal(peer, proto::ErrorCode::BadName, std::string(proto::kPartialPrefix));
    }

    std::map<std::string, std::string> after;
    for (const auto& name : entries_in(daemon().incoming()))
        after[name] = file_text(daemon().incoming() / name);
    EXPECT_EQ(after, before) << "the incoming folder changed";
}

TEST_F(HostileInput, AWrongWholeFileDigestFailsTheTransferAndKeepsNothing) {
    const std::vector<std::uint8_t> file = pattern(128 * 1024, 0x90);
    auto offer = offer_named("wrong-digest.bin", 90);
    offer.size = file.size();
    RawPeer peer = greeted();
    peer.send_frame(offer);
    auto accepted = peer.read_frame();
    ASSERT_TRUE(accepted && accepted->header.type == proto::FrameType::Accept) << daemon().log();
    std::uint64_t digests[2];
    for (std::uint64_t i = 0; i < 2; ++i) {
        digests[i] = send_chunk(peer, file, i * offer.chunk_size, offer.chunk_size);
        ASSERT_TRUE(acked(peer, i * offer.chunk_size)) << daemon().log();
    }
    // Every chunk was right; only the digest over them is not.
    proto::FileDigest wrong = proto::file_digest(digests);
    wrong[0] ^= 0x01;
    peer.send_frame(proto::Finish{wrong});
    expect_refusal(peer, proto::ErrorCode::DigestMismatch, "does not match");

    StreamdBus bus(daemon().bus_address());
    bool listed = false;
    for (const auto& row : bus.list_transfers())
        if (row.name == "wrong-digest.bin") {
            listed = true;
            EXPECT_EQ(row.state, "failed") << row.describe();
        }
    EXPECT_TRUE(listed) << describe(bus.list_transfers());
    EXPECT_FALSE(fs::exists(daemon().incoming() / "wrong-digest.bin"));
    EXPECT_TRUE(wait_until([&] { return entries_in(daemon().incoming()).empty(); }))
        << ::testing::PrintToString(entries_in(daemon().incoming())) << daemon().log();
}

} // namespace
} // namespace streamd::it

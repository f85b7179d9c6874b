// The native frames and digests against docs/PROTOCOL.md: layouts byte for byte, and
// decoders that refuse every malformed body with FrameError and with nothing else, since
// the receive path turns exactly that exception into ERROR BAD_FRAME.
#include "digest.hpp"
#include "native_frames.hpp"
#include "tree_manifest.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <exception>
#include <functional>
#include <gtest/gtest.h>
#include <limits>
#include <random>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <typeinfo>
#include <vector>
#include <xxhash.h>

namespace streamd::proto {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint32_t KiB = 1024;
constexpr uint32_t MiB = 1024 * KiB;

// ---------------------------------------------------------------------------------------
// Sample frames and helpers

TransferId sample_id() {
    TransferId id{};
    for (size_t i = 0; i < id.size(); ++i)
        id[i] = static_cast<uint8_t>(0xA0 + i);
    return id;
}

Welcome sample_welcome() {
    Welcome f;
    f.version = kVersion;
    f.auth_method = 0;
    for (size_t i = 0; i < f.nonce.size(); ++i)
        f.nonce[i] = static_cast<uint8_t>(3 * i + 1);
    return f;
}

Auth sample_auth() {
    Auth f;
    for (size_t i = 0; i < f.proof.size(); ++i)
        f.proof[i] = static_cast<uint8_t>(0xFF - 5 * i);
    return f;
}

Offer sample_offer() {
    Offer f;
    f.id = sample_id();
    f.stream_count = 8;
    f.chunk_size = 4 * MiB;
    f.size = 123'456'789'012;
    f.mode = 0640;
    f.mtime_sec = 1'700'000'000;
    f.mtime_nsec = 999'999'999;
    f.digest = DigestAlgorithm::Xxh3;
    f.name = "Quarterly report – ü.pdf";
    return f;
}

Join sample_join() {
    return {sample_id(), 3, 8};
}

Accept sample_accept() {
    return {sample_id(), {{0, 4 * MiB}, {12 * uint64_t{MiB}, 3 * uint64_t{MiB} + 17}}};
}

Error sample_error() {
    return {ErrorCode::DigestMismatch, "the whole-file digest differs"};
}

Chunk sample_chunk() {
    return {8 * uint64_t{MiB}, 4 * MiB, 0, 0x0123456789ABCDEF};
}

ChunkAck sample_ack() {
    return {8 * uint64_t{MiB}, AckStatus::BadDigest};
}

Finish sample_finish() {
    Finish f;
    for (size_t i = 0; i < f.digest.size(); ++i)
        f.digest[i] = static_cast<uint8_t>(0x11 * i);
    return f;
}

Done sample_done() {
    return {"report (1).pdf"};
}

// Every field of a frame, so that whole frames compare with one EXPECT_EQ.
auto fields(const Welcome& f) {
    return std::tie(f.version, f.auth_method, f.nonce);
}
auto fields(const Auth& f) {
    return std::tie(f.proof);
}
auto fields(const Offer& f) {
    return std::tie(f.id, f.stream_count, f.chunk_size, f.size, f.mode, f.mtime_sec, f.mtime_nsec,
                    f.digest, f.kind, f.name, f.manifest_length, f.manifest_digest);
}
auto fields(const Join& f) {
    return std::tie(f.id, f.index, f.count);
}
auto fields(const Accept& f) {
    return std::tie(f.id, f.missing);
}
auto fields(const Error& f) {
    return std::tie(f.code, f.message);
}
auto fields(const Chunk& f) {
    return std::tie(f.offset, f.length, f.flags, f.digest);
}
auto fields(const ChunkAck& f) {
    return std::tie(f.offset, f.status);
}
auto fields(const Finish& f) {
    return std::tie(f.digest);
}
auto fields(const Done& f) {
    return std::tie(f.name);
}
auto fields(const Cancel& f) {
    return std::tie(f.id);
}
auto fields(const Pull& f) {
    return std::tie(f.id, f.port, f.stream_count, f.chunk_size, f.name, f.offer_as);
}

template <typename Frame> Bytes wire_of(const Frame& f) {
    Bytes out;
    encode(f, out);
    return out;
}

FrameHeader header_of(std::span<const uint8_t> wire) {
    if (wire.size() < kHeaderSize)
        throw std::logic_error("encoded frame is shorter than its header");
    return decode_header(wire.first<kHeaderSize>());
}

template <typename Frame> Bytes body_of(const Frame& f) {
    Bytes wire = wire_of(f);
    if (wire.size() < kHeaderSize)
        throw std::logic_error("encoded frame is shorter than its header");
    return {wire.begin() + kHeaderSize, wire.end()};
}

Bytes header_bytes(uint8_t type, uint32_t length) {
    return {type,
            0,
            0,
            0,
            static_cast<uint8_t>(length >> 24),
            static_cast<uint8_t>(length >> 16),
            static_cast<uint8_t>(length >> 8),
            static_cast<uint8_t>(length)};
}

Bytes concat(std::initializer_list<std::span<const uint8_t>> parts) {
    Bytes out;
    for (auto p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes text(std::string_view s) {
    return {s.begin(), s.end()};
}

template <typename Frame, typename Decode>
void expect_round_trip(const Frame& f, FrameType type, Decode decode) {
    Bytes wire = wire_of(f);
    ASSERT_GE(wire.size(), kHeaderSize);
    FrameHeader h = header_of(wire);
    EXPECT_EQ(h.type, type);
    EXPECT_EQ(h.length, wire.size() - kHeaderSize);
    Frame back = decode(std::span<const uint8_t>(wire).subspan(kHeaderSize));
    EXPECT_EQ(fields(back), fields(f));
}

// One decoder with a body it must accept. `decode` returns whether what it decoded
// survives a second encode/decode unchanged, which the fuzz loop checks.
struct DecoderCase {
    const char* name;
    Bytes valid_body;
    std::function<bool(std::span<const uint8_t>)> decode;
};

template <typename Frame>
std::function<bool(std::span<const uint8_t>)> stable(Frame (*decode)(std::span<const uint8_t>)) {
    return [decode](std::span<const uint8_t> body) {
        Frame f = decode(body);
        Frame again = decode(body_of(f));
        return fields(again) == fields(f);
    };
}

std::vector<DecoderCase> decoder_cases() {
    return {
        {"WELCOME", body_of(sample_welcome()), stable(decode_welcome)},
        {"AUTH", body_of(sample_auth()), stable(decode_auth)},
        {"OFFER", body_of(sample_offer()), stable(decode_offer)},
        {"JOIN", body_of(sample_join()), stable(decode_join)},
        {"ACCEPT", body_of(sample_accept()), stable(decode_accept)},
        {"ERROR", body_of(sample_error()), stable(decode_error)},
        {"CHUNK", body_of(sample_chunk()), stable(decode_chunk)},
        {"CHUNK_ACK", body_of(sample_ack()), stable(decode_chunk_ack)},
        {"FINISH", body_of(sample_finish()), stable(decode_finish)},
        {"DONE", body_of(sample_done()), stable(decode_done)},
    };
}

// ---------------------------------------------------------------------------------------
// Round trips

TEST(NativeFrames, RoundTripWelcome) {
    expect_round_trip(sample_welcome(), FrameType::Welcome, decode_welcome);
    Welcome other = sample_welcome();
    other.version = 0xBEEF;
    other.auth_method = 7;
    expect_round_trip(other, FrameType::Welcome, decode_welcome);
}

TEST(NativeFrames, RoundTripAuth) {
    expect_round_trip(sample_auth(), FrameType::Auth, decode_auth);
    expect_round_trip(Auth{}, FrameType::Auth, decode_auth);
}

TEST(NativeFrames, RoundTripOffer) {
    expect_round_trip(sample_offer(), FrameType::Offer, decode_offer);

    Offer edges = sample_offer();
    edges.stream_count = kMaxStreams;
    edges.chunk_size = kMaxChunk;
    edges.size = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    edges.mode = 0777;
    edges.mtime_sec = std::numeric_limits<int64_t>::min();
    edges.mtime_nsec = 0;
    edges.digest = DigestAlgorithm::None;
    edges.name = std::string(kMaxName, 'n');
    expect_round_trip(edges, FrameType::Offer, decode_offer);

    Offer small = sample_offer();
    small.stream_count = 1;
    small.chunk_size = kMinChunk;
    small.size = 0;
    small.mode = 0;
    small.mtime_sec = -1;
    small.name = "x";
    expect_round_trip(small, FrameType::Offer, decode_offer);

    Offer tree = sample_offer();
    tree.kind = OfferKind::Tree;
    tree.manifest_length = 4;
    tree.manifest_digest = 0x0123'4567'89AB'CDEF;
    expect_round_trip(tree, FrameType::Offer, decode_offer);
    tree.manifest_length = kMaxManifest;
    expect_round_trip(tree, FrameType::Offer, decode_offer);
}

TEST(NativeFrames, TreeOfferCarriesItsManifestLengthAndDigest) {
    Offer f = sample_offer();
    f.kind = OfferKind::Tree;
    f.manifest_length = 0x0102'0304;
    f.manifest_digest = 0x1112'1314'1516'1718;
    const Bytes body = body_of(f);
    EXPECT_EQ(body[53], 1) << "kind";
    EXPECT_EQ(body.size(), 56 + f.name.size() + 12);
    const Bytes tail(body.end() - 12, body.end());
    EXPECT_EQ(tail, (Bytes{1, 2, 3, 4, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18}));

    for (uint32_t length : {0u, 3u, static_cast<uint32_t>(kMaxManifest) + 1}) {
        f.manifest_length = length;
        EXPECT_THROW(decode_offer(body_of(f)), FrameError) << "manifest length " << length;
    }
    // A file's OFFER has no tail, a folder's must have it.
    Bytes file_with_tail = body_of(sample_offer());
    file_with_tail.resize(file_with_tail.size() + 12);
    EXPECT_THROW(decode_offer(file_with_tail), FrameError);
    Bytes unknown_kind = body_of(sample_offer());
    unknown_kind[53] = 2;
    EXPECT_THROW(decode_offer(unknown_kind), FrameError);
}

TEST(NativeFrames, ManifestPiecesAreTheirBytes) {
    const Bytes piece{1, 2, 3};
    Bytes out;
    encode(ManifestPiece{piece}, out);
    ASSERT_EQ(out.size(), kHeaderSize + 3);
    EXPECT_EQ(out[0], 12);
    const auto body = std::span<const uint8_t>(out).subspan(kHeaderSize);
    EXPECT_TRUE(std::ranges::equal(decode_manifest_piece(body), piece));
    EXPECT_THROW(decode_manifest_piece({}), FrameError);
}

TEST(NativeFrames, RoundTripJoin) {
    expect_round_trip(sample_join(), FrameType::Join, decode_join);
    expect_round_trip(Join{sample_id(), 0, 1}, FrameType::Join, decode_join);
    expect_round_trip(Join{sample_id(), kMaxStreams - 1, kMaxStreams}, FrameType::Join,
                      decode_join);
}

TEST(NativeFrames, RoundTripAccept) {
    expect_round_trip(sample_accept(), FrameType::Accept, decode_accept);
    // A JOIN is answered with no ranges, and so is an empty file.
    expect_round_trip(Accept{sample_id(), {}}, FrameType::Accept, decode_accept);

    // As many ranges as fit in the largest body.
    Accept many{sample_id(), {}};
    for (uint64_t i = 0; i < (kMaxBody - 20) / 16; ++i)
        many.missing.push_back({i * 2 * kMinChunk, kMinChunk});
    Bytes wire = wire_of(many);
    EXPECT_EQ(wire.size(), kHeaderSize + kMaxBody - (kMaxBody - 20) % 16);
    expect_round_trip(many, FrameType::Accept, decode_accept);
}

TEST(NativeFrames, RoundTripError) {
    expect_round_trip(sample_error(), FrameType::Error, decode_error);
    expect_round_trip(Error{ErrorCode::Busy, ""}, FrameType::Error, decode_error);
    expect_round_trip(Error{ErrorCode::Internal, std::string(kMaxMessage, 'm')}, FrameType::Error,
                      decode_error);
    expect_round_trip(Error{ErrorCode::BadName, "name “ä/b” is unsafe"}, FrameType::Error,
                      decode_error);
}

TEST(NativeFrames, RoundTripChunk) {
    expect_round_trip(sample_chunk(), FrameType::Chunk, decode_chunk);
    expect_round_trip(Chunk{0, 1, kChunkHole, 0}, FrameType::Chunk, decode_chunk);
    expect_round_trip(Chunk{std::numeric_limits<uint64_t>::max(),
                            std::numeric_limits<uint32_t>::max(), 0,
                            std::numeric_limits<uint64_t>::max()},
                      FrameType::Chunk, decode_chunk);
}

TEST(NativeFrames, RoundTripChunkAck) {
    expect_round_trip(sample_ack(), FrameType::ChunkAck, decode_chunk_ack);
    expect_round_trip(ChunkAck{0, AckStatus::Ok}, FrameType::ChunkAck, decode_chunk_ack);
}

TEST(NativeFrames, RoundTripFinish) {
    expect_round_trip(sample_finish(), FrameType::Finish, decode_finish);
}

TEST(NativeFrames, RoundTripDone) {
    expect_round_trip(sample_done(), FrameType::Done, decode_done);
    expect_round_trip(Done{std::string(kMaxName, 'd')}, FrameType::Done, decode_done);
    expect_round_trip(Done{"日本語のファイル.txt"}, FrameType::Done, decode_done);
    expect_round_trip(Cancel{sample_id()}, FrameType::Cancel, decode_cancel);
}

TEST(NativeFrames, RoundTripPull) {
    expect_round_trip(Pull{sample_id(), 7740, 8, 4 * 1024 * 1024, "report.pdf", ""},
                      FrameType::Pull, decode_pull);
    expect_round_trip(Pull{sample_id(), 1, 1, 64 * 1024, "a", "b"}, FrameType::Pull, decode_pull);
    expect_round_trip(
        Pull{sample_id(), 65535, 0, 0, std::string(kMaxName, 'p'), std::string(kMaxName, 'q')},
        FrameType::Pull, decode_pull);
}

TEST(NativeFrames, PullBodyIsLaidOutAsDocumented) {
    const Bytes body = body_of(Pull{sample_id(), 0x1E3C, 2, 0x10000, "ab", "c"});
    ASSERT_EQ(body.size(), 31u);
    EXPECT_EQ(Bytes(body.begin() + 16, body.end()),
              (Bytes{0x1E, 0x3C, 0, 2, 0, 1, 0, 0, 0, 2, 'a', 'b', 0, 1, 'c'}));
}

TEST(NativeFrames, PullOutOfRangeIsRefused) {
    const Pull good{sample_id(), 7740, 0, 0, "x", ""};
    std::vector<Pull> bad(4, good);
    bad[0].port = 0;
    bad[1].stream_count = kMaxStreams + 1;
    bad[2].chunk_size = 4096;
    bad[3].chunk_size = kMinChunk + 1;
    for (const Pull& p : bad)
        EXPECT_THROW(decode_pull(body_of(p)), FrameError)
            << p.port << " " << p.stream_count << " " << p.chunk_size;
    Bytes truncated = body_of(good);
    truncated.pop_back();
    EXPECT_THROW(decode_pull(truncated), FrameError);
    Bytes longer = body_of(good);
    longer.push_back('y');
    EXPECT_THROW(decode_pull(longer), FrameError);
}

TEST(NativeFrames, OfferModeKeepsOnlyPermissionBits) {
    Offer f = sample_offer();
    f.mode = 0104755; // a regular file with the set-user-id bit
    EXPECT_EQ(decode_offer(body_of(f)).mode, 0755u);
    f.mode = 0xFFFFFFFF;
    EXPECT_EQ(decode_offer(body_of(f)).mode, 0777u);
}

TEST(NativeFrames, HoleChunkCarriesNoData) {
    Chunk hole = decode_chunk(body_of(Chunk{0, 4 * MiB, kChunkHole, 0}));
    EXPECT_TRUE(hole.hole());
    EXPECT_EQ(hole.length, 4 * MiB);
    EXPECT_EQ(hole.data_length(), 0u);

    Chunk dense = decode_chunk(body_of(sample_chunk()));
    EXPECT_FALSE(dense.hole());
    EXPECT_EQ(dense.data_length(), dense.length);
}

TEST(NativeFrames, EncodeAppendsToWhatIsThere) {
    Bytes wire;
    encode(sample_join(), wire);
    size_t first = wire.size();
    encode(sample_done(), wire);
    ASSERT_GT(wire.size(), first + kHeaderSize);

    EXPECT_EQ(header_of(wire).type, FrameType::Join);
    EXPECT_EQ(header_of(wire).length, first - kHeaderSize);
    auto second = std::span<const uint8_t>(wire).subspan(first);
    FrameHeader h = header_of(second);
    EXPECT_EQ(h.type, FrameType::Done);
    EXPECT_EQ(h.length, second.size() - kHeaderSize);
    EXPECT_EQ(decode_done(second.subspan(kHeaderSize)).name, sample_done().name);
}

// ---------------------------------------------------------------------------------------
// Exact wire bytes, written out by hand from PROTOCOL.md

TEST(NativeFrames, PreambleBytes) {
    const std::array<uint8_t, kPreambleSize> expected{0xC5, 0x53, 0x54, 0x44,
                                                      0x00, 0x01, 0x00, 0x00};
    EXPECT_EQ(encode_preamble(), expected);
    EXPECT_EQ(decode_preamble(expected), 1);

    const std::array<uint8_t, kPreambleSize> v258{0xC5, 0x53, 0x54, 0x44, 0x01, 0x02, 0x00, 0x00};
    EXPECT_EQ(encode_preamble(0x0102), v258);
    EXPECT_EQ(decode_preamble(v258), 0x0102);
}

TEST(NativeFrames, ChunkBytes) {
    Chunk f{0x0000'0001'0040'0000, 0x0040'0000, 0, 0x0123'4567'89AB'CDEF};
    const Bytes expected{
        0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x18, // CHUNK, body of 24
        0x00, 0x00, 0x00, 0x01, 0x00, 0x40, 0x00, 0x00, // offset
        0x00, 0x40, 0x00, 0x00,                         // length
        0x00, 0x00, 0x00, 0x00,                         // flags
        0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, // digest
    };
    EXPECT_EQ(wire_of(f), expected);

    f.flags = kChunkHole;
    Bytes hole = expected;
    hole[8 + 15] = 0x01;
    EXPECT_EQ(wire_of(f), hole);
}

TEST(NativeFrames, ErrorBytes) {
    const Bytes expected{
        0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0B, // ERROR, body of 11
        0x00, 0x05,                                     // TOO_LARGE
        0x00, 0x07,                                     // message length
        't',  'o',  'o',  ' ',  'b',  'i',  'g',
    };
    EXPECT_EQ(wire_of(Error{ErrorCode::TooLarge, "too big"}), expected);
}

TEST(NativeFrames, OfferBytes) {
    Offer f;
    for (size_t i = 0; i < f.id.size(); ++i)
        f.id[i] = static_cast<uint8_t>(i);
    f.stream_count = 2;
    f.chunk_size = 64 * KiB;
    f.size = 0x12345;
    f.mode = 0644;
    f.mtime_sec = -1;
    f.mtime_nsec = 500'000'000;
    f.digest = DigestAlgorithm::Xxh3;
    f.name = "a.b";
    const Bytes expected{
        0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3B, // OFFER, body of 56 + 3
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, // transfer id
        0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, //
        0x00, 0x02,                                     // stream count
        0x00, 0x00,                                     // reserved
        0x00, 0x01, 0x00, 0x00,                         // chunk size
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x23, 0x45, // file size
        0x00, 0x00, 0x01, 0xA4,                         // mode
        0x00, 0x00, 0x00, 0x00,                         // reserved
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, // mtime seconds, signed
        0x1D, 0xCD, 0x65, 0x00,                         // mtime nanoseconds
        0x01,                                           // XXH3
        0x00,                                           // reserved
        0x00, 0x03,                                     // name length
        'a',  '.',  'b',
    };
    EXPECT_EQ(wire_of(f), expected);
}

TEST(NativeFrames, SmallFrameBytes) {
    const std::array<uint8_t, 16> id = sample_id();

    Welcome welcome;
    welcome.nonce.fill(0x5A);
    Bytes nonce(32, 0x5A);
    EXPECT_EQ(wire_of(welcome),
              concat({header_bytes(1, 36), Bytes{0x00, 0x01, 0x00, 0x00}, nonce}));

    Auth auth;
    auth.proof.fill(0xA5);
    EXPECT_EQ(wire_of(auth), concat({header_bytes(2, 32), Bytes(32, 0xA5)}));

    EXPECT_EQ(wire_of(Join{id, 3, 8}),
              concat({header_bytes(4, 20), id, Bytes{0x00, 0x03, 0x00, 0x08}}));

    EXPECT_EQ(wire_of(Accept{id, {{0x400000, 0x10000}}}),
              concat({header_bytes(5, 36), id, Bytes{0x00, 0x00, 0x00, 0x01},
                      Bytes{0, 0, 0, 0, 0, 0x40, 0, 0}, Bytes{0, 0, 0, 0, 0, 0x01, 0, 0}}));

    EXPECT_EQ(wire_of(ChunkAck{0x0102030405060708, AckStatus::BadDigest}),
              concat({header_bytes(8, 16), Bytes{1, 2, 3, 4, 5, 6, 7, 8},
                      Bytes{0x01, 0, 0, 0, 0, 0, 0, 0}}));

    Finish finish;
    finish.digest = id;
    EXPECT_EQ(wire_of(finish), concat({header_bytes(9, 16), id}));

    EXPECT_EQ(wire_of(Done{"a (1).txt"}),
              concat({header_bytes(10, 11), Bytes{0x00, 0x09}, text("a (1).txt")}));
}

TEST(NativeFrames, BodySizesMatchTheProtocol) {
    auto expect_size = [](const Bytes& wire, size_t body) {
        ASSERT_GE(wire.size(), kHeaderSize);
        EXPECT_EQ(wire.size(), kHeaderSize + body);
        EXPECT_EQ(header_of(wire).length, body);
    };
    expect_size(wire_of(Welcome{}), 36);
    expect_size(wire_of(Auth{}), 32);
    Offer offer = sample_offer();
    expect_size(wire_of(offer), 56 + offer.name.size());
    offer.name = std::string(kMaxName, 'x');
    expect_size(wire_of(offer), 56 + 255);
    expect_size(wire_of(Join{}), 20);
    expect_size(wire_of(Accept{}), 20);
    expect_size(wire_of(sample_accept()), 20 + 16 * 2);
    expect_size(wire_of(Error{ErrorCode::Busy, ""}), 4);
    expect_size(wire_of(Error{ErrorCode::Busy, "busy"}), 4 + 4);
    expect_size(wire_of(Chunk{}), 24);
    EXPECT_EQ(kChunkBodySize, 24u);
    expect_size(wire_of(ChunkAck{}), 16);
    expect_size(wire_of(Finish{}), 16);
    expect_size(wire_of(Done{"abc"}), 2 + 3);
}

TEST(NativeFrames, NumbersAndNamesMatchTheProtocolTables) {
    const std::vector<std::tuple<FrameType, uint8_t, std::string>> types{
        {FrameType::Welcome, 1, "WELCOME"}, {FrameType::Auth, 2, "AUTH"},
        {FrameType::Offer, 3, "OFFER"},     {FrameType::Join, 4, "JOIN"},
        {FrameType::Accept, 5, "ACCEPT"},   {FrameType::Error, 6, "ERROR"},
        {FrameType::Chunk, 7, "CHUNK"},     {FrameType::ChunkAck, 8, "CHUNK_ACK"},
        {FrameType::Finish, 9, "FINISH"},   {FrameType::Done, 10, "DONE"},
        {FrameType::Cancel, 11, "CANCEL"},  {FrameType::Manifest, 12, "MANIFEST"},
        {FrameType::Pull, 13, "PULL"},
    };
    for (const auto& [type, number, name] : types) {
        EXPECT_EQ(static_cast<uint8_t>(type), number) << name;
        EXPECT_EQ(to_string(type), name);
    }

    const std::vector<std::tuple<ErrorCode, uint16_t, std::string>> codes{
        {ErrorCode::UnsupportedVersion, 1, "UNSUPPORTED_VERSION"},
        {ErrorCode::AuthRequired, 2, "AUTH_REQUIRED"},
        {ErrorCode::BadFrame, 3, "BAD_FRAME"},
        {ErrorCode::BadName, 4, "BAD_NAME"},
        {ErrorCode::TooLarge, 5, "TOO_LARGE"},
        {ErrorCode::Exists, 6, "EXISTS"},
        {ErrorCode::UnknownTransfer, 7, "UNKNOWN_TRANSFER"},
        {ErrorCode::IoError, 8, "IO_ERROR"},
        {ErrorCode::DigestMismatch, 9, "DIGEST_MISMATCH"},
        {ErrorCode::Busy, 10, "BUSY"},
        {ErrorCode::Internal, 11, "INTERNAL"},
        {ErrorCode::Canceled, 12, "CANCELED"},
        {ErrorCode::EncryptionRequired, 13, "ENCRYPTION_REQUIRED"},
        {ErrorCode::NotFound, 14, "NOT_FOUND"},
    };
    for (const auto& [code, number, name] : codes) {
        EXPECT_EQ(static_cast<uint16_t>(code), number) << name;
        EXPECT_EQ(to_string(code), name);
    }

    EXPECT_EQ(static_cast<uint8_t>(DigestAlgorithm::None), 0);
    EXPECT_EQ(static_cast<uint8_t>(DigestAlgorithm::Xxh3), 1);
    EXPECT_EQ(static_cast<uint8_t>(AckStatus::Ok), 0);
    EXPECT_EQ(static_cast<uint8_t>(AckStatus::BadDigest), 1);
    EXPECT_EQ(kChunkHole, 1u);
}

TEST(NativeFrames, ToHex) {
    EXPECT_EQ(to_hex(Bytes{}), "");
    EXPECT_EQ(to_hex(Bytes{0x00, 0x09, 0xAB, 0xFF}), "0009abff");
    EXPECT_EQ(to_hex(sample_id()), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
}

// ---------------------------------------------------------------------------------------
// Preamble

TEST(NativeFrames, HasMagic) {
    EXPECT_TRUE(has_magic(encode_preamble()));
    // The receiver may decide on the first byte alone.
    EXPECT_TRUE(has_magic(Bytes{0xC5}));
    EXPECT_TRUE(has_magic(Bytes{0xC5, 'S'}));
    EXPECT_FALSE(has_magic(Bytes{}));
    EXPECT_FALSE(has_magic(text("GET / HTTP/1.1")));
    EXPECT_FALSE(has_magic(text("POST")));
    EXPECT_FALSE(has_magic(Bytes{0xC5, 'S', 'T', 'X'}));
    EXPECT_FALSE(has_magic(Bytes{0xC4, 'S', 'T', 'D'}));
    EXPECT_FALSE(has_magic(text("STD\xC5")));
}

TEST(NativeFrames, DecodePreambleRejectsWrongMagic) {
    const std::array<std::array<uint8_t, kPreambleSize>, 4> bad{{
        {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'},
        {0xC5, 'S', 'T', 'X', 0, 1, 0, 0},
        {0x00, 'S', 'T', 'D', 0, 1, 0, 0},
        {0, 0, 0, 0, 0, 0, 0, 0},
    }};
    for (const auto& p : bad)
        EXPECT_THROW(decode_preamble(p), FrameError) << to_hex(p);
}

// ---------------------------------------------------------------------------------------
// Headers

TEST(NativeFrames, DecodeHeaderAcceptsEveryKnownType) {
    // Each type with the shortest and longest bodies the protocol allows for it.
    const std::vector<std::pair<uint8_t, std::vector<uint32_t>>> cases{
        {1, {36}},
        {2, {32}},
        {3, {56 + 1, 56 + 255}},
        {4, {20}},
        {5, {20, 20 + 16, 20 + 16 * 254}},
        {6, {4, 4 + 1024}},
        {7, {24}},
        {8, {16}},
        {9, {16}},
        {10, {2 + 1, 2 + 255}},
    };
    for (const auto& [type, lengths] : cases) {
        for (uint32_t length : lengths) {
            Bytes h = header_bytes(type, length);
            FrameHeader fh = decode_header(std::span<const uint8_t>(h).first<kHeaderSize>());
            EXPECT_EQ(static_cast<uint8_t>(fh.type), type);
            EXPECT_EQ(fh.length, length);
        }
    }
}

TEST(NativeFrames, DecodeHeaderRejectsUnknownTypes) {
    for (uint8_t type : {0, 14, 15, 0x7F, 0x80, 255}) {
        Bytes h = header_bytes(type, 0);
        EXPECT_THROW(decode_header(std::span<const uint8_t>(h).first<kHeaderSize>()), FrameError)
            << "type " << int{type};
    }
}

TEST(NativeFrames, DecodeHeaderRejectsOversizedBodies) {
    for (uint8_t type = 1; type <= 10; ++type) {
        for (uint32_t length :
             {static_cast<uint32_t>(kMaxBody + 1), 0x10000u, 0x80000000u, 0xFFFFFFFFu}) {
            Bytes h = header_bytes(type, length);
            EXPECT_THROW(decode_header(std::span<const uint8_t>(h).first<kHeaderSize>()),
                         FrameError)
                << "type " << int{type} << " length " << length;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Malformed bodies, common to every decoder

TEST(NativeFrames, ValidSampleBodiesDecode) {
    for (const auto& c : decoder_cases())
        EXPECT_TRUE(c.decode(c.valid_body)) << c.name;
}

TEST(NativeFrames, EveryDecoderRejectsTruncatedBodies) {
    for (const auto& c : decoder_cases()) {
        std::span<const uint8_t> body(c.valid_body);
        for (size_t n = 0; n < body.size(); ++n)
            EXPECT_THROW(c.decode(body.first(n)), FrameError) << c.name << " cut to " << n;
    }
}

TEST(NativeFrames, EveryDecoderRejectsOverlongBodies) {
    for (const auto& c : decoder_cases()) {
        for (size_t extra : {1, 2, 16, 100}) {
            Bytes body = c.valid_body;
            body.insert(body.end(), extra, 0);
            EXPECT_THROW(c.decode(body), FrameError) << c.name << " with " << extra << " more";
        }
    }
}

// ---------------------------------------------------------------------------------------
// Field checks, decoder by decoder

void expect_offer_rejected(const Offer& f, const std::string& why) {
    EXPECT_THROW(decode_offer(body_of(f)), FrameError) << why;
}

void expect_offer_accepted(const Offer& f, const std::string& why) {
    EXPECT_NO_THROW(decode_offer(body_of(f))) << why;
}

TEST(NativeFrames, OfferStreamCount) {
    Offer f = sample_offer();
    for (uint16_t n : {0, 65, 1000, 0xFFFF}) {
        f.stream_count = n;
        expect_offer_rejected(f, "stream count " + std::to_string(n));
    }
    for (uint16_t n : {1, 2, 63, 64}) {
        f.stream_count = n;
        expect_offer_accepted(f, "stream count " + std::to_string(n));
    }
}

TEST(NativeFrames, OfferChunkSize) {
    Offer f = sample_offer();
    for (uint32_t size :
         {0u, 4096u, 60 * KiB, 64 * KiB - 1, 64 * KiB + 1, 64 * KiB + 512, 4 * MiB + 100,
          256 * MiB + 4096, 256 * MiB + 1, 512 * MiB, 0xFFFFFFFFu, 0xFFFFF000u}) {
        f.chunk_size = size;
        expect_offer_rejected(f, "chunk size " + std::to_string(size));
    }
    for (uint32_t size :
         {64 * KiB, 64 * KiB + 4096, 1 * MiB, 4 * MiB, 256 * MiB - 4096, 256 * MiB}) {
        f.chunk_size = size;
        expect_offer_accepted(f, "chunk size " + std::to_string(size));
    }
}

TEST(NativeFrames, OfferMtimeNanoseconds) {
    Offer f = sample_offer();
    for (uint32_t ns : {1'000'000'000u, 1'000'000'001u, 0xFFFFFFFFu}) {
        f.mtime_nsec = ns;
        expect_offer_rejected(f, "nanoseconds " + std::to_string(ns));
    }
    for (uint32_t ns : {0u, 999'999'999u}) {
        f.mtime_nsec = ns;
        expect_offer_accepted(f, "nanoseconds " + std::to_string(ns));
    }
}

TEST(NativeFrames, OfferDigestAlgorithm) {
    Offer f = sample_offer();
    for (uint8_t algorithm : {3, 0x80, 0xFF}) {
        f.digest = static_cast<DigestAlgorithm>(algorithm);
        expect_offer_rejected(f, "digest algorithm " + std::to_string(algorithm));
    }
    f.digest = DigestAlgorithm::None;
    expect_offer_accepted(f, "digest algorithm 0");
    // Decodes (a browser's partial file keeps its offer in the journal); the receiver
    // refuses it from a peer.
    f.digest = DigestAlgorithm::Xxh32;
    expect_offer_accepted(f, "digest algorithm 2");
}

TEST(NativeFrames, OfferFileSize) {
    Offer f = sample_offer();
    for (uint64_t size :
         {uint64_t{1} << 63, (uint64_t{1} << 63) + 1, std::numeric_limits<uint64_t>::max()}) {
        f.size = size;
        expect_offer_rejected(f, "size " + std::to_string(size));
    }
    f.size = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    expect_offer_accepted(f, "size INT64_MAX");
    f.size = 0;
    expect_offer_accepted(f, "size 0");
}

TEST(NativeFrames, OfferNameLengthMustMatchBody) {
    const Bytes valid = body_of(sample_offer());
    const size_t at = 54; // the name length field
    const uint16_t len = static_cast<uint16_t>(valid.size() - 56);
    for (int delta : {-len, -1, 1, 2, 0xFFFF - len}) {
        Bytes body = valid;
        auto wrong = static_cast<uint16_t>(len + delta);
        body[at] = static_cast<uint8_t>(wrong >> 8);
        body[at + 1] = static_cast<uint8_t>(wrong);
        EXPECT_THROW(decode_offer(body), FrameError) << "name length " << wrong;
    }
}

TEST(NativeFrames, JoinIndexAndCount) {
    const std::vector<std::pair<uint16_t, uint16_t>> bad{
        {0, 0}, {1, 1}, {3, 3}, {4, 3}, {0xFFFF, 8}, {0, 65}, {64, 64}, {0xFFFF, 0xFFFF}};
    for (auto [index, count] : bad)
        EXPECT_THROW(decode_join(body_of(Join{sample_id(), index, count})), FrameError)
            << index << " of " << count;
    const std::vector<std::pair<uint16_t, uint16_t>> good{{0, 1}, {1, 2}, {7, 8}, {63, 64}};
    for (auto [index, count] : good)
        EXPECT_NO_THROW(decode_join(body_of(Join{sample_id(), index, count})))
            << index << " of " << count;
}

Bytes accept_body(uint32_t count, std::span<const Range> ranges) {
    const TransferId id = sample_id();
    Bytes body(id.begin(), id.end());
    Writer w(body);
    w.u32(count);
    for (const auto& r : ranges) {
        w.u64(r.offset);
        w.u64(r.length);
    }
    return body;
}

TEST(NativeFrames, AcceptRangeCountMustMatchBody) {
    const std::vector<Range> two{{0, 64 * KiB}, {128 * KiB, 64 * KiB}};
    EXPECT_NO_THROW(decode_accept(accept_body(2, two)));
    for (uint32_t n : {0u, 1u, 3u, 0x10000001u, 0xFFFFFFFFu})
        EXPECT_THROW(decode_accept(accept_body(n, two)), FrameError) << n << " ranges claimed";
    EXPECT_THROW(decode_accept(accept_body(1, {})), FrameError);
}

TEST(NativeFrames, AcceptRejectsEmptyAndWrappingRanges) {
    const uint64_t max = std::numeric_limits<uint64_t>::max();
    const std::vector<Range> bad{{0, 0}, {64 * KiB, 0}, {max, 1}, {max - 4095, 8192}, {1, max}};
    for (const auto& r : bad) {
        std::vector<Range> ranges{{0, 64 * KiB}, r};
        EXPECT_THROW(decode_accept(accept_body(2, ranges)), FrameError)
            << r.offset << "+" << r.length;
    }
    const std::vector<Range> edge{{0, max}, {max - 1, 1}};
    EXPECT_NO_THROW(decode_accept(accept_body(2, edge)));
}

Bytes error_body(uint16_t code, uint16_t length, std::string_view message) {
    Bytes body;
    Writer w(body);
    w.u16(code);
    w.u16(length);
    w.bytes(message);
    return body;
}

TEST(NativeFrames, ErrorMessageLengthMustMatchBody) {
    EXPECT_NO_THROW(decode_error(error_body(3, 5, "hello")));
    for (uint16_t len : {0, 4, 6, 1024, 0xFFFF})
        EXPECT_THROW(decode_error(error_body(3, len, "hello")), FrameError) << "length " << len;
}

TEST(NativeFrames, ErrorMessageIsAtMost1024Bytes) {
    std::string longest(kMaxMessage, 'x');
    EXPECT_EQ(decode_error(error_body(11, 1024, longest)).message, longest);
    std::string too_long(kMaxMessage + 1, 'x');
    EXPECT_THROW(decode_error(error_body(11, 1025, too_long)), FrameError);
}

TEST(NativeFrames, EncodingCutsAnOverlongErrorMessage) {
    std::string message(3000, 'e');
    Bytes wire = wire_of(Error{ErrorCode::Internal, message});
    EXPECT_EQ(header_of(wire).length, 4 + kMaxMessage);
    Error back = decode_error(std::span<const uint8_t>(wire).subspan(kHeaderSize));
    EXPECT_EQ(back.message, message.substr(0, kMaxMessage));
}

TEST(NativeFrames, ErrorControlBytesBecomeSpaces) {
    std::string raw = "bad\nframe\r\t\x01\x1f\x7f|end";
    Error e = decode_error(error_body(3, static_cast<uint16_t>(raw.size()), raw));
    EXPECT_EQ(e.code, ErrorCode::BadFrame);
    EXPECT_EQ(e.message, "bad frame     |end");

    std::string nul("a\0b", 3);
    EXPECT_EQ(decode_error(error_body(3, 3, nul)).message, "a b");

    // Bytes of multi-byte characters are not control bytes.
    std::string unicode = "Datei “ä” fehlt";
    EXPECT_EQ(decode_error(error_body(8, static_cast<uint16_t>(unicode.size()), unicode)).message,
              unicode);
}

TEST(NativeFrames, ChunkFlagsAndLength) {
    for (uint32_t flags : {2u, 3u, 4u, 0x80000000u, 0xFFFFFFFFu, 0xFFFFFFFEu}) {
        Chunk c = sample_chunk();
        c.flags = flags;
        EXPECT_THROW(decode_chunk(body_of(c)), FrameError) << "flags " << flags;
    }
    Chunk empty = sample_chunk();
    empty.length = 0;
    EXPECT_THROW(decode_chunk(body_of(empty)), FrameError);
    empty.flags = kChunkHole;
    EXPECT_THROW(decode_chunk(body_of(empty)), FrameError);
}

TEST(NativeFrames, ChunkAckStatus) {
    for (uint8_t status : {2, 3, 0x80, 0xFF}) {
        Bytes body = body_of(sample_ack());
        body[8] = status;
        EXPECT_THROW(decode_chunk_ack(body), FrameError) << "status " << int{status};
    }
    for (uint8_t status : {0, 1}) {
        Bytes body = body_of(sample_ack());
        body[8] = status;
        EXPECT_EQ(static_cast<uint8_t>(decode_chunk_ack(body).status), status);
    }
}

TEST(NativeFrames, DoneRejectsUnsafeNames) {
    const std::vector<std::string> unsafe{
        "",
        ".",
        "..",
        "a/b",
        "../etc/passwd",
        "/etc/passwd",
        std::string("a\0b", 3),
        "line\nbreak",
        "del\x7f",
        ".streamd-a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.part",
        "bad \xC0\xAF utf-8",
        std::string(kMaxName + 1, 'x'),
    };
    for (const auto& name : unsafe)
        EXPECT_THROW(decode_done(body_of(Done{name})), FrameError) << to_hex(text(name));
}

// ---------------------------------------------------------------------------------------
// Chunks against their transfer

Offer chunk_offer(uint64_t size) {
    Offer f = sample_offer();
    f.chunk_size = 64 * KiB;
    f.size = size;
    return f;
}

TEST(NativeFrames, CheckChunkAcceptsAlignedChunks) {
    const uint64_t cs = 64 * KiB;
    Offer f = chunk_offer(3 * cs + 100);
    for (uint64_t i = 0; i < 3; ++i) {
        EXPECT_NO_THROW(check_chunk(Chunk{i * cs, 64 * KiB, 0, 0}, f)) << i;
        EXPECT_NO_THROW(check_chunk(Chunk{i * cs, 64 * KiB, kChunkHole, 0}, f)) << i;
    }
    // The short last chunk.
    EXPECT_NO_THROW(check_chunk(Chunk{3 * cs, 100, 0, 0}, f));

    // A file of whole chunks has no short one.
    Offer whole = chunk_offer(2 * cs);
    EXPECT_NO_THROW(check_chunk(Chunk{cs, 64 * KiB, 0, 0}, whole));

    Offer tiny = chunk_offer(1);
    EXPECT_NO_THROW(check_chunk(Chunk{0, 1, 0, 0}, tiny));
}

TEST(NativeFrames, CheckChunkRejectsMisalignedOffsets) {
    const uint64_t cs = 64 * KiB;
    Offer f = chunk_offer(3 * cs + 100);
    for (uint64_t offset : {uint64_t{1}, uint64_t{4096}, cs - 1, cs + 1, 2 * cs + 4096})
        EXPECT_THROW(check_chunk(Chunk{offset, 64 * KiB, 0, 0}, f), FrameError) << offset;
}

TEST(NativeFrames, CheckChunkRejectsOffsetsPastTheEnd) {
    const uint64_t cs = 64 * KiB;
    Offer f = chunk_offer(3 * cs + 100);
    for (uint64_t offset :
         {4 * cs, 5 * cs, 1000 * cs, std::numeric_limits<uint64_t>::max() / cs * cs})
        EXPECT_THROW(check_chunk(Chunk{offset, 64 * KiB, 0, 0}, f), FrameError) << offset;
    // The end of a file of whole chunks is not a chunk.
    EXPECT_THROW(check_chunk(Chunk{2 * cs, 64 * KiB, 0, 0}, chunk_offer(2 * cs)), FrameError);
    // An empty file has no chunks at all.
    EXPECT_THROW(check_chunk(Chunk{0, 64 * KiB, 0, 0}, chunk_offer(0)), FrameError);
    EXPECT_THROW(check_chunk(Chunk{0, 1, 0, 0}, chunk_offer(0)), FrameError);
}

TEST(NativeFrames, CheckChunkRejectsWrongLengths) {
    const uint64_t cs = 64 * KiB;
    Offer f = chunk_offer(3 * cs + 100);
    for (uint32_t length : {0u, 1u, 64 * KiB - 1, 64 * KiB + 1, 128 * KiB})
        EXPECT_THROW(check_chunk(Chunk{cs, length, 0, 0}, f), FrameError) << length;
    for (uint32_t length : {0u, 99u, 101u, 64 * KiB})
        EXPECT_THROW(check_chunk(Chunk{3 * cs, length, 0, 0}, f), FrameError)
            << "last chunk of " << length;
}

// ---------------------------------------------------------------------------------------
// Fuzzing

// Runs one decoder on `body`; returns an empty string when it behaved, else what it did.
std::string misbehaviour(const DecoderCase& c, std::span<const uint8_t> body) {
    try {
        if (!c.decode(body))
            return std::string(c.name) + " decoded something that does not re-encode to itself";
    } catch (const FrameError&) {
    } catch (const std::exception& e) {
        return std::string(c.name) + " threw " + typeid(e).name() + ": " + e.what();
    } catch (...) {
        return std::string(c.name) + " threw a non-standard exception";
    }
    return {};
}

TEST(NativeFrames, FuzzedBodiesEitherDecodeOrThrowFrameError) {
    std::mt19937_64 rng(0x5743'5245'414D'4421);
    auto byte = [&] { return static_cast<uint8_t>(rng()); };
    auto below = [&](size_t n) { return static_cast<size_t>(rng() % n); };

    const auto cases = decoder_cases();
    size_t failures = 0;
    std::string first_failure;
    auto run = [&](const DecoderCase& c, const Bytes& body) {
        std::string problem = misbehaviour(c, body);
        if (!problem.empty() && failures++ == 0)
            first_failure = problem + " on body " + to_hex(body);
    };

    for (int i = 0; i < 20000; ++i) {
        Bytes noise(below(301));
        for (auto& b : noise)
            b = byte();
        for (const auto& c : cases)
            run(c, noise);

        // Pure noise rarely gets past the size checks; mutating valid bodies reaches the
        // checks of individual fields.
        for (const auto& c : cases) {
            Bytes body = c.valid_body;
            for (size_t n = 1 + below(4); n > 0 && !body.empty(); --n)
                body[below(body.size())] = byte();
            switch (below(4)) {
            case 0:
                body.resize(below(body.size() + 1));
                break;
            case 1:
                body.resize(body.size() + below(20), byte());
                break;
            default:
                break;
            }
            run(c, body);
        }

        std::array<uint8_t, kHeaderSize> header{};
        for (auto& b : header)
            b = byte();
        if (i % 2 == 0) header[4] = header[5] = 0; // also reach lengths within the limit
        try {
            FrameHeader h = decode_header(header);
            EXPECT_GE(static_cast<int>(h.type), 1);
            EXPECT_LE(static_cast<int>(h.type), 13);
            EXPECT_LE(h.length, kMaxBody);
        } catch (const FrameError&) {
        }
    }
    EXPECT_EQ(failures, 0u) << "first: " << first_failure;
}

TEST(NativeFrames, FuzzedChunksAreCheckedConsistently) {
    std::mt19937_64 rng(0xC4EC'4C40'0000'0001);
    const uint64_t cs = 64 * KiB;
    for (int i = 0; i < 20000; ++i) {
        Offer f = chunk_offer(rng() % (20 * cs));
        Chunk c{(rng() % 24) * cs + (i % 3 == 0 ? rng() % cs : 0),
                static_cast<uint32_t>(i % 2 == 0 ? cs : rng() % (2 * cs)), 0, 0};
        bool accepted = false;
        try {
            check_chunk(c, f);
            accepted = true;
        } catch (const FrameError&) {
        } catch (...) {
            ADD_FAILURE() << "check_chunk threw something other than FrameError";
            return;
        }
        bool valid = c.offset < f.size && c.offset % cs == 0 &&
                     c.length == std::min<uint64_t>(cs, f.size - c.offset);
        ASSERT_EQ(accepted, valid)
            << "offset " << c.offset << " length " << c.length << " file size " << f.size;
    }
}

// ---------------------------------------------------------------------------------------
// Digests

TEST(Digest, ChunkDigestIsXxh3SeedZero) {
    const std::string data = "streamd moves files";
    Bytes bytes = text(data);
    EXPECT_EQ(chunk_digest(bytes), XXH3_64bits(data.data(), data.size()));
    EXPECT_EQ(chunk_digest(bytes), XXH3_64bits_withSeed(data.data(), data.size(), 0));
    // Pinned so that a change of algorithm or seed cannot go unnoticed: this is XXH3-64
    // of no bytes.
    EXPECT_EQ(chunk_digest({}), 0x2D06800538D394C2u);
}

TEST(Digest, ChunkDigestIsStable) {
    Bytes data(100'000);
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<uint8_t>(i * 131 + 7);
    uint64_t first = chunk_digest(data);
    EXPECT_EQ(chunk_digest(data), first);
    EXPECT_EQ(first, XXH3_64bits(data.data(), data.size()));
    data[50'000] ^= 1;
    EXPECT_NE(chunk_digest(data), first);
}

TEST(Digest, ZeroDigestMatchesZeroBytes) {
    for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{4096}, uint64_t{64 * KiB},
                       uint64_t{64 * KiB + 3}, uint64_t{128 * KiB}, uint64_t{4 * MiB}}) {
        Bytes zeros(n);
        EXPECT_EQ(zero_digest(n), chunk_digest(zeros)) << n << " bytes";
    }
}

TEST(Digest, FileDigestOfNothingIsXxh3OfNoBytes) {
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits(nullptr, 0));
    FileDigest expected;
    std::copy(std::begin(canon.digest), std::end(canon.digest), expected.begin());
    EXPECT_EQ(file_digest({}), expected);
    // XXH3-128 of no bytes, high half first.
    const FileDigest pinned{0x99, 0xAA, 0x06, 0xD3, 0x01, 0x47, 0x98, 0xD8,
                            0x60, 0x01, 0xC3, 0x24, 0x46, 0x8D, 0x49, 0x7F};
    EXPECT_EQ(file_digest({}), pinned);
}

TEST(Digest, FileDigestHashesBigEndianChunkDigests) {
    const std::array<uint64_t, 3> digests{0x0102030405060708, 0xF0E0D0C0B0A09080, 42};
    Bytes be;
    Writer w(be);
    for (uint64_t d : digests)
        w.u64(d);
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits(be.data(), be.size()));
    FileDigest expected;
    std::copy(std::begin(canon.digest), std::end(canon.digest), expected.begin());
    EXPECT_EQ(file_digest(digests), expected);
}

TEST(Digest, FileDigestDependsOnOrder) {
    const std::array<uint64_t, 2> ab{chunk_digest(text("a")), chunk_digest(text("b"))};
    const std::array<uint64_t, 2> ba{ab[1], ab[0]};
    EXPECT_NE(file_digest(ab), file_digest(ba));
    EXPECT_EQ(file_digest(ab), file_digest(ab));
    // A missing chunk changes it too.
    EXPECT_NE(file_digest(std::span(ab).first(1)), file_digest(ab));
}

} // namespace
} // namespace streamd::proto

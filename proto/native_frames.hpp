// Frames of the native protocol (docs/PROTOCOL.md): plain structs and their encoding.
// Decoding never trusts its input: every violation throws FrameError.
#pragma once

#include "byte_order.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::proto {

inline constexpr std::array<uint8_t, 4> kMagic{0xC5, 'S', 'T', 'D'};
inline constexpr uint16_t kVersion = 1;
inline constexpr size_t kPreambleSize = 8;
inline constexpr size_t kHeaderSize = 8;
inline constexpr size_t kMaxBody = 4096;
inline constexpr size_t kMaxName = 255;
inline constexpr size_t kMaxMessage = 1024;
inline constexpr uint16_t kMaxStreams = 64;
inline constexpr uint32_t kMinChunk = 64 * 1024;
inline constexpr uint32_t kMaxChunk = 256 * 1024 * 1024;
// Chunks are placed by offset with splice into the receiver's page cache; page-aligned
// chunks keep every splice on whole pages.
inline constexpr uint32_t kChunkAlignment = 4096;
// The one rule for a chunk size, wherever one is given (OFFER, D-Bus, streamctl, the
// configuration): `max` is lower where the other end holds a whole chunk in memory.
constexpr bool valid_chunk_size(uint64_t size, uint64_t max = kMaxChunk) {
    return size >= kMinChunk && size <= max && size % kChunkAlignment == 0;
}
inline constexpr int64_t kMtimeUnknown = std::numeric_limits<int64_t>::min();
inline constexpr size_t kChunkBodySize = 24;

using TransferId = std::array<uint8_t, 16>;
using FileDigest = std::array<uint8_t, 16>;

enum class FrameType : uint8_t {
    Welcome = 1,
    Auth = 2,
    Offer = 3,
    Join = 4,
    Accept = 5,
    Error = 6,
    Chunk = 7,
    ChunkAck = 8,
    Finish = 9,
    Done = 10,
    Cancel = 11,
    Manifest = 12,
    Pull = 13,
};

enum class ErrorCode : uint16_t {
    UnsupportedVersion = 1,
    AuthRequired = 2,
    BadFrame = 3,
    BadName = 4,
    TooLarge = 5,
    Exists = 6,
    UnknownTransfer = 7,
    IoError = 8,
    DigestMismatch = 9,
    Busy = 10,
    Internal = 11,
    Canceled = 12,
    EncryptionRequired = 13,
    NotFound = 14,
};

// Xxh32 is for browsers (docs/WEBSOCKET.md): XXH32 is fast in JavaScript, XXH3 is not.
enum class DigestAlgorithm : uint8_t { None = 0, Xxh3 = 1, Xxh32 = 2 };
// What an OFFER sends: one file, or a folder whose manifest (tree_manifest.hpp) follows
// in MANIFEST frames and whose data is its files' contents one after another.
enum class OfferKind : uint8_t { File = 0, Tree = 1 };
enum class AckStatus : uint8_t { Ok = 0, BadDigest = 1 };
inline constexpr uint32_t kChunkHole = 1;

struct FrameHeader {
    FrameType type;
    uint32_t length;
};

struct Welcome {
    uint16_t version = kVersion;
    uint8_t auth_method = 0;
    std::array<uint8_t, 32> nonce{};
};

struct Auth {
    std::array<uint8_t, 32> proof{};
};

struct Offer {
    TransferId id{};
    uint16_t stream_count = 1;
    uint32_t chunk_size = 0;
    uint64_t size = 0;
    uint32_t mode = 0644;
    // kMtimeUnknown: the sender did not say, and the file keeps the time it was written.
    int64_t mtime_sec = 0;
    uint32_t mtime_nsec = 0;
    DigestAlgorithm digest = DigestAlgorithm::Xxh3;
    OfferKind kind = OfferKind::File;
    std::string name;
    // Of a tree: the manifest's length in bytes and its XXH3-64.
    uint32_t manifest_length = 0;
    uint64_t manifest_digest = 0;

    uint64_t chunk_count() const { return (size + chunk_size - 1) / chunk_size; }
};

struct Join {
    TransferId id{};
    uint16_t index = 0;
    uint16_t count = 0;
};

struct Range {
    uint64_t offset = 0;
    uint64_t length = 0;
    bool operator==(const Range&) const = default;
};

struct Accept {
    TransferId id{};
    std::vector<Range> missing;
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
};

struct Chunk {
    uint64_t offset = 0;
    uint32_t length = 0;
    uint32_t flags = 0;
    uint64_t digest = 0;

    bool hole() const { return flags & kChunkHole; }
    // Bytes that follow the frame on the wire.
    uint32_t data_length() const { return hole() ? 0 : length; }
};

struct ChunkAck {
    uint64_t offset = 0;
    AckStatus status = AckStatus::Ok;
};

struct Finish {
    FileDigest digest{};
};

struct Done {
    std::string name;
};

struct Cancel {
    TransferId id{};
};

// Asks the receiving end to send what it holds under `name` back to the asking daemon,
// which listens at `port` and will know the transfer by `id`.
struct Pull {
    TransferId id{};
    uint16_t port = 0;
    uint16_t stream_count = 0; // 0: the sending end's own
    uint32_t chunk_size = 0;   // 0: the sending end's own
    std::string name;
    std::string offer_as; // the name to offer it under; empty: its own
    bool operator==(const Pull&) const = default;
};

// A piece of a tree's manifest, in order after its OFFER.
struct ManifestPiece {
    std::span<const uint8_t> bytes;
};

// The sender's first 8 bytes on a connection.
std::array<uint8_t, kPreambleSize> encode_preamble(uint16_t version = kVersion);
bool has_magic(std::span<const uint8_t> first_bytes);
// The version announced by a preamble; throws when the magic is wrong.
uint16_t decode_preamble(std::span<const uint8_t, kPreambleSize> in);

// Each appends header and body to `out`.
void encode(const Welcome& f, std::vector<uint8_t>& out);
void encode(const Auth& f, std::vector<uint8_t>& out);
void encode(const Offer& f, std::vector<uint8_t>& out);
void encode(const Join& f, std::vector<uint8_t>& out);
void encode(const Accept& f, std::vector<uint8_t>& out);
void encode(const Error& f, std::vector<uint8_t>& out);
void encode(const Chunk& f, std::vector<uint8_t>& out);
void encode(const ChunkAck& f, std::vector<uint8_t>& out);
void encode(const Finish& f, std::vector<uint8_t>& out);
void encode(const Done& f, std::vector<uint8_t>& out);
void encode(const Cancel& f, std::vector<uint8_t>& out);
void encode(const ManifestPiece& f, std::vector<uint8_t>& out);
void encode(const Pull& f, std::vector<uint8_t>& out);
// The OFFER body alone, as decode_offer() takes it: how an offer is kept on disk.
std::vector<uint8_t> encode_offer_body(const Offer& f);

// Checks the type is known and the body within kMaxBody; the body decoders check
// the exact length for their type.
FrameHeader decode_header(std::span<const uint8_t, kHeaderSize> in);

// Each decodes a body whose header said it is of that type. Checks every field
// that can be checked without knowing the transfer.
Welcome decode_welcome(std::span<const uint8_t> body);
Auth decode_auth(std::span<const uint8_t> body);
Offer decode_offer(std::span<const uint8_t> body);
Join decode_join(std::span<const uint8_t> body);
Accept decode_accept(std::span<const uint8_t> body);
Error decode_error(std::span<const uint8_t> body);
Chunk decode_chunk(std::span<const uint8_t> body);
ChunkAck decode_chunk_ack(std::span<const uint8_t> body);
Finish decode_finish(std::span<const uint8_t> body);
Done decode_done(std::span<const uint8_t> body);
Cancel decode_cancel(std::span<const uint8_t> body);
// The name is not checked here: the end that serves it answers an unsafe one BAD_NAME.
Pull decode_pull(std::span<const uint8_t> body);
// The bytes of a MANIFEST body (1 … kMaxBody of them), as they are.
std::span<const uint8_t> decode_manifest_piece(std::span<const uint8_t> body);

// Checks a chunk against the transfer it claims to belong to; throws FrameError.
void check_chunk(const Chunk& c, const Offer& offer);

const char* to_string(FrameType t);
const char* to_string(ErrorCode c);
std::string to_hex(std::span<const uint8_t> bytes);
// Fills `out` from exactly 2 * out.size() hex digits of either case; false for any other text,
// with `out` then unspecified.
bool from_hex(std::string_view hex, std::span<uint8_t> out);

} // namespace streamd::proto

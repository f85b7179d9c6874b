// The messages of the WebSocket protocol (docs/WEBSOCKET.md): the JSON control messages
// a client sends, decoded and checked, the ones the daemon sends, and the header of a
// binary chunk message. Pure: no I/O.
#pragma once

#include "native_frames.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::web {

inline constexpr size_t kChunkHeaderSize = 28;
inline constexpr uint32_t kMinChunkSize = kMinChunk;
inline constexpr uint32_t kMaxChunkSize = 16 * 1024 * 1024;
inline constexpr uint32_t kDefaultChunkSize = 4 * 1024 * 1024;
inline constexpr unsigned kMaxInFlight = 8;
inline constexpr size_t kMaxTextMessage = 1024 * 1024;
inline constexpr uint64_t kMaxBinaryMessage = kMaxChunkSize + kChunkHeaderSize;

using Id = TransferId; // 16 bytes, written as 32 lower-case hex digits

struct ChunkHeader {
    Id id{};
    uint64_t index = 0;
    uint32_t digest = 0;
    bool operator==(const ChunkHeader&) const = default;
};
ChunkHeader decode_chunk_header(std::span<const uint8_t, kChunkHeaderSize> bytes);
std::array<uint8_t, kChunkHeaderSize> encode_chunk_header(const ChunkHeader& h);

enum class ChunkDigest : uint8_t { None, Xxh32 };

// A browser's time (milliseconds since the epoch) as a file's: seconds and nanoseconds,
// rounding down also before 1970; absent, kMtimeUnknown.
struct FileTime {
    int64_t sec = kMtimeUnknown;
    uint32_t nsec = 0;
};
FileTime file_time(const std::optional<int64_t>& ms);

struct Auth {
    std::array<uint8_t, 32> proof{};
};
// A file of a folder being uploaded: where it is inside the folder, as the browser says.
struct UploadFile {
    std::string path;
    uint64_t size = 0;
    std::optional<int64_t> mtime_ms;
    bool operator==(const UploadFile&) const = default;
};
struct StartUpload {
    std::string name;
    uint64_t size = 0;
    uint32_t chunk_size = kDefaultChunkSize;
    ChunkDigest digest = ChunkDigest::Xxh32;
    std::optional<int64_t> mtime_ms;
    std::optional<Id> id;
    // A folder: its files in the order of its data (paths are checked by the daemon, as a
    // manifest's), and any folders that hold no file.
    std::optional<std::vector<UploadFile>> files;
    std::vector<std::string> folders;
};
struct FinishUpload {
    Id id{};
    std::optional<FileDigest> digest; // absent when sent as ""
};
struct CancelUpload {
    Id id{};
};
struct RequestDownload {
    std::string name;
    uint32_t chunk_size = kDefaultChunkSize;
};
struct RequestChunk {
    Id id{};
    uint64_t index = 0;
};
struct EndDownload {
    Id id{};
};

using ClientMessage = std::variant<Auth, StartUpload, FinishUpload, CancelUpload, RequestDownload,
                                   RequestChunk, EndDownload>;

// Why a text message was not taken. `fatal`: it is not a JSON object with a string
// "type", which closes the connection (1003); otherwise it is answered with an error
// message whose code is "bad_request" and the connection goes on.
struct MessageError : std::runtime_error {
    MessageError(bool fatal, const std::string& what) : std::runtime_error(what), fatal(fatal) {}
    bool fatal;
};

// Decodes and checks the fields of a client's text message (UTF-8, at most
// kMaxTextMessage bytes): types and ranges (chunk sizes a multiple of 4096 within
// kMinChunkSize..kMaxChunkSize, ids of 32 hex digits, ...). Unknown fields are ignored;
// an unknown "type" is a (non-fatal) MessageError. The name is not checked here
// (file_name.hpp does that with the storage rules). Throws MessageError.
ClientMessage parse_client_message(std::string_view text);

// The daemon's messages, as JSON text.
std::string hello(std::optional<std::span<const uint8_t>> nonce, uint32_t max_chunk_size,
                  unsigned max_in_flight);
std::string authenticated(std::span<const uint8_t> token);
std::string upload_ready(const Id& id, std::string_view name, std::span<const Range> missing);
std::string chunk_received(const Id& id, uint64_t index);
std::string chunk_rejected(const Id& id, uint64_t index, std::string_view reason);
std::string upload_complete(const Id& id, std::string_view name, uint64_t size,
                            const std::optional<FileDigest>& digest);
std::string upload_canceled(const Id& id);
std::string download_ready(const Id& id, std::string_view name, uint64_t size, int64_t mtime_ms,
                           uint32_t chunk_size);
std::string error(const std::optional<Id>& id, std::string_view code, std::string_view message);

} // namespace streamd::proto::web

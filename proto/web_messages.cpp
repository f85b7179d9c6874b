#include "web_messages.hpp"

#include "byte_order.hpp"
#include "json_value.hpp"
#include "tree_manifest.hpp"

#include <algorithm>
#include <concepts>
#include <limits>

namespace streamd::proto::web {

namespace {

constexpr int kProtocolVersion = 1;

// The members of one client message, read with the rules of WEBSOCKET.md. A member that is
// missing or of the wrong kind is the sender's mistake, answered without closing.
class Fields {
public:
    Fields(const JsonValue& message, std::string_view type) : message_(message), type_(type) {}

    const JsonValue* optional(std::string_view key) const { return message_.find(key); }

    const JsonValue& required(std::string_view key) const {
        if (const JsonValue* value = optional(key)) return *value;
        refuse(key, "is missing");
    }

    const std::string& string(std::string_view key) const {
        const JsonValue& value = required(key);
        if (!value.is_string()) refuse(key, "must be a string");
        return value.as_string();
    }

    // Sizes and indexes: 5.0, -1 and "5" are all refused rather than guessed at.
    uint64_t count(std::string_view key) const { return count_value(key, required(key)); }

    uint64_t count_value(std::string_view key, const JsonValue& value) const {
        if (!value.is_uint()) refuse(key, "must be a non-negative integer");
        return value.as_uint();
    }

    template <size_t N> std::array<uint8_t, N> hex(std::string_view key) const {
        return hex_value<N>(key, required(key));
    }

    template <size_t N>
    std::array<uint8_t, N> hex_value(std::string_view key, const JsonValue& value) const {
        std::array<uint8_t, N> bytes{};
        if (!value.is_string() || !from_hex(value.as_string(), bytes))
            refuse(key, "must be " + std::to_string(2 * N) + " hex digits");
        return bytes;
    }

    uint32_t chunk_size() const {
        const JsonValue* value = optional("chunk_size");
        if (!value) return kDefaultChunkSize;
        const uint64_t size = count_value("chunk_size", *value);
        if (!valid_chunk_size(size, kMaxChunkSize))
            refuse("chunk_size", "must be a multiple of " + std::to_string(kChunkAlignment) +
                                     " from " + std::to_string(kMinChunkSize) + " to " +
                                     std::to_string(kMaxChunkSize));
        return static_cast<uint32_t>(size);
    }

    ChunkDigest chunk_digest() const {
        const std::string& name = string("digest");
        if (name == "xxh32") return ChunkDigest::Xxh32;
        if (name == "none") return ChunkDigest::None;
        refuse("digest", "must be \"xxh32\" or \"none\"");
    }

    std::optional<int64_t> mtime() const {
        const JsonValue* value = optional("mtime");
        if (!value) return std::nullopt;
        return mtime_value("mtime", *value);
    }

    int64_t mtime_value(std::string_view key, const JsonValue& value) const {
        constexpr auto kLatest = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
        if (!value.is_int() && !(value.is_uint() && value.as_uint() <= kLatest))
            refuse(key, "must be an integer number of milliseconds");
        return value.as_int();
    }

    // A folder's files: [path, size] or [path, size, mtime] each.
    std::vector<UploadFile> upload_files(const JsonValue& value) const {
        if (!value.is_array() || value.as_array().size() > kMaxTreeEntries)
            refuse("files",
                   "must be an array of at most " + std::to_string(kMaxTreeEntries) + " files");
        std::vector<UploadFile> files;
        files.reserve(value.as_array().size());
        for (const JsonValue& file : value.as_array()) {
            const bool shaped =
                file.is_array() && (file.as_array().size() == 2 || file.as_array().size() == 3);
            if (!shaped || !file.as_array()[0].is_string())
                refuse("files", "must hold [path, size] or [path, size, mtime] arrays");
            const auto& a = file.as_array();
            UploadFile u{a[0].as_string(), count_value("files", a[1]), std::nullopt};
            if (a.size() == 3) u.mtime_ms = mtime_value("files", a[2]);
            files.push_back(std::move(u));
        }
        return files;
    }

    std::vector<std::string> upload_folders(const JsonValue& value) const {
        if (!value.is_array() || value.as_array().size() > kMaxTreeEntries)
            refuse("folders",
                   "must be an array of at most " + std::to_string(kMaxTreeEntries) + " paths");
        std::vector<std::string> folders;
        for (const JsonValue& folder : value.as_array()) {
            if (!folder.is_string()) refuse("folders", "must hold paths as strings");
            folders.push_back(folder.as_string());
        }
        return folders;
    }

private:
    [[noreturn]] void refuse(std::string_view key, std::string_view why) const {
        std::string reason(type_);
        reason += ": ";
        append_json_string(reason, key);
        reason += ' ';
        reason += why;
        throw MessageError(false, reason);
    }

    const JsonValue& message_;
    std::string_view type_;
};

StartUpload start_upload(const Fields& f) {
    StartUpload m;
    m.name = f.string("name");
    m.size = f.count("size");
    m.chunk_size = f.chunk_size();
    m.digest = f.chunk_digest();
    m.mtime_ms = f.mtime();
    if (const JsonValue* id = f.optional("id")) m.id = f.hex_value<16>("id", *id);
    if (const JsonValue* files = f.optional("files")) m.files = f.upload_files(*files);
    if (const JsonValue* folders = f.optional("folders")) {
        if (!m.files) throw MessageError(false, "start_upload: \"folders\" without \"files\"");
        m.folders = f.upload_folders(*folders);
    }
    return m;
}

FinishUpload finish_upload(const Fields& f) {
    FinishUpload m;
    m.id = f.hex<16>("id");
    const JsonValue& digest = f.required("digest");
    // "" is how a client that sent no chunk digests says it has no file digest either.
    if (!(digest.is_string() && digest.as_string().empty()))
        m.digest = f.hex_value<16>("digest", digest);
    return m;
}

ClientMessage decode(const Fields& f, std::string_view type) {
    if (type == "auth") return Auth{f.hex<32>("proof")};
    if (type == "start_upload") return start_upload(f);
    if (type == "finish_upload") return finish_upload(f);
    if (type == "cancel_upload") return CancelUpload{f.hex<16>("id")};
    if (type == "request_download")
        return RequestDownload{.name = f.string("name"), .chunk_size = f.chunk_size()};
    if (type == "request_chunk")
        return RequestChunk{.id = f.hex<16>("id"), .index = f.count("index")};
    if (type == "end_download") return EndDownload{f.hex<16>("id")};
    throw MessageError(false, "unknown type");
}

// A compact JSON object whose first member is "type", the rest in the order they are added.
class Object {
public:
    explicit Object(std::string_view type) {
        out_ = "{\"type\":";
        append_json_string(out_, type);
    }

    Object& string(std::string_view key, std::string_view value) {
        append_json_string(begin_member(key), value);
        return *this;
    }

    template <std::integral T> Object& number(std::string_view key, T value) {
        begin_member(key) += std::to_string(value);
        return *this;
    }

    Object& hex(std::string_view key, std::span<const uint8_t> bytes) {
        return string(key, to_hex(bytes));
    }

    // `json` is already JSON text.
    Object& raw(std::string_view key, std::string_view json) {
        begin_member(key) += json;
        return *this;
    }

    std::string text() const { return out_ + '}'; }

private:
    std::string& begin_member(std::string_view key) {
        out_ += ',';
        append_json_string(out_, key);
        out_ += ':';
        return out_;
    }

    std::string out_;
};

} // namespace

ChunkHeader decode_chunk_header(std::span<const uint8_t, kChunkHeaderSize> bytes) {
    Reader in(bytes);
    ChunkHeader h;
    const auto id = in.bytes(h.id.size());
    std::copy(id.begin(), id.end(), h.id.begin());
    h.index = in.u64();
    h.digest = in.u32();
    return h;
}

std::array<uint8_t, kChunkHeaderSize> encode_chunk_header(const ChunkHeader& h) {
    std::vector<uint8_t> bytes;
    Writer out(bytes);
    out.bytes(h.id);
    out.u64(h.index);
    out.u32(h.digest);
    std::array<uint8_t, kChunkHeaderSize> header{};
    std::copy(bytes.begin(), bytes.end(), header.begin());
    return header;
}

ClientMessage parse_client_message(std::string_view text) {
    JsonValue message;
    try {
        message = parse_json(text);
    } catch (const JsonError& e) {
        throw MessageError(true, std::string("not JSON: ") + e.what());
    }
    if (!message.is_object()) throw MessageError(true, "not a JSON object");
    const JsonValue* type = message.find("type");
    if (!type || !type->is_string()) throw MessageError(true, "no string \"type\"");
    return decode(Fields(message, type->as_string()), type->as_string());
}

std::string hello(std::optional<std::span<const uint8_t>> nonce, uint32_t max_chunk_size,
                  unsigned max_in_flight) {
    std::string auth = "null";
    if (nonce) {
        auth = "{\"method\":\"hmac-sha256\",\"nonce\":";
        append_json_string(auth, to_hex(*nonce));
        auth += '}';
    }
    return Object("hello")
        .number("version", kProtocolVersion)
        .raw("auth", auth)
        .number("max_chunk_size", max_chunk_size)
        .number("max_in_flight", max_in_flight)
        .text();
}

std::string authenticated(std::span<const uint8_t> token) {
    return Object("authenticated").hex("token", token).text();
}

std::string upload_ready(const Id& id, std::string_view name, std::span<const Range> missing) {
    std::string ranges = "[";
    for (const Range& r : missing) {
        if (ranges.size() > 1) ranges += ',';
        ranges += '[' + std::to_string(r.offset) + ',' + std::to_string(r.length) + ']';
    }
    ranges += ']';
    return Object("upload_ready").hex("id", id).string("name", name).raw("missing", ranges).text();
}

std::string chunk_received(const Id& id, uint64_t index) {
    return Object("chunk_received").hex("id", id).number("index", index).text();
}

std::string chunk_rejected(const Id& id, uint64_t index, std::string_view reason) {
    return Object("chunk_rejected")
        .hex("id", id)
        .number("index", index)
        .string("reason", reason)
        .text();
}

std::string upload_complete(const Id& id, std::string_view name, uint64_t size,
                            const std::optional<FileDigest>& digest) {
    return Object("upload_complete")
        .hex("id", id)
        .string("name", name)
        .number("size", size)
        .string("digest", digest ? to_hex(*digest) : "")
        .text();
}

std::string upload_canceled(const Id& id) {
    return Object("upload_canceled").hex("id", id).text();
}

FileTime file_time(const std::optional<int64_t>& ms) {
    if (!ms) return {};
    int64_t sec = *ms / 1000;
    int64_t rest = *ms % 1000;
    if (rest < 0) {
        rest += 1000;
        sec -= 1;
    }
    return {sec, static_cast<uint32_t>(rest * 1'000'000)};
}

std::string download_ready(const Id& id, std::string_view name, uint64_t size, int64_t mtime_ms,
                           uint32_t chunk_size) {
    return Object("download_ready")
        .hex("id", id)
        .string("name", name)
        .number("size", size)
        .number("mtime", mtime_ms)
        .number("chunk_size", chunk_size)
        .text();
}

std::string error(const std::optional<Id>& id, std::string_view code, std::string_view message) {
    Object out("error");
    if (id) out.hex("id", *id);
    return out.string("code", code).string("message", message).text();
}

} // namespace streamd::proto::web

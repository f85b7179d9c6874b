// A browser's text messages on untrusted bytes. Each is either taken or refused with a
// MessageError, never anything else; the refusal is fatal exactly when the text is not a JSON
// object with a string "type", and its reason is one line of UTF-8. A message taken keeps the
// rules of docs/WEBSOCKET.md, and written out again in its plainest form it reads back the same.
// The same bytes, as names and reasons in the daemon's messages, always make valid JSON that
// reads back as written, and as a chunk header they encode back to themselves.
#include "fuzz_check.hpp"
#include "json_value.hpp"
#include "web_messages.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::web {
namespace {

// What the message is, as the document describes it, independently of the decoder.
bool object_with_string_type(std::string_view text) {
    try {
        const JsonValue value = parse_json(text);
        if (!value.is_object()) return false;
        const JsonValue* type = value.find("type");
        return type && type->is_string();
    } catch (const JsonError&) {
        return false;
    }
}

void check_reason(std::string_view reason) {
    FUZZ_CHECK(!reason.empty());
    FUZZ_CHECK(fuzz::well_formed_utf8(reason));
    for (char c : reason)
        FUZZ_CHECK(static_cast<uint8_t>(c) >= 0x20 && c != 0x7f);
}

void check_chunk_size(uint32_t size) {
    FUZZ_CHECK(size % 4096 == 0);
    FUZZ_CHECK(size >= kMinChunkSize && size <= kMaxChunkSize);
}

std::string quoted(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

std::string hex(std::span<const uint8_t> bytes) {
    return quoted(to_hex(bytes));
}

// The message with every field it has, in a fixed order.
std::string plainest(const ClientMessage& message) {
    if (const auto* m = std::get_if<Auth>(&message))
        return R"({"type":"auth","proof":)" + hex(m->proof) + "}";
    if (const auto* m = std::get_if<StartUpload>(&message)) {
        std::string text = R"({"type":"start_upload","name":)" + quoted(m->name) +
                           ",\"size\":" + std::to_string(m->size) +
                           ",\"chunk_size\":" + std::to_string(m->chunk_size) + ",\"digest\":" +
                           (m->digest == ChunkDigest::Xxh32 ? "\"xxh32\"" : "\"none\"");
        if (m->mtime_ms) text += ",\"mtime\":" + std::to_string(*m->mtime_ms);
        if (m->id) text += ",\"id\":" + hex(*m->id);
        if (m->files) {
            text += ",\"files\":[";
            for (const auto& f : *m->files) {
                text += (&f == m->files->data() ? "[" : ",[") + quoted(f.path) + "," +
                        std::to_string(f.size);
                if (f.mtime_ms) text += "," + std::to_string(*f.mtime_ms);
                text += "]";
            }
            text += "],\"folders\":[";
            for (const auto& folder : m->folders)
                text += (&folder == m->folders.data() ? "" : ",") + quoted(folder);
            text += "]";
        }
        return text + "}";
    }
    if (const auto* m = std::get_if<FinishUpload>(&message))
        return R"({"type":"finish_upload","id":)" + hex(m->id) +
               ",\"digest\":" + (m->digest ? hex(*m->digest) : "\"\"") + "}";
    if (const auto* m = std::get_if<CancelUpload>(&message))
        return R"({"type":"cancel_upload","id":)" + hex(m->id) + "}";
    if (const auto* m = std::get_if<RequestDownload>(&message))
        return R"({"type":"request_download","name":)" + quoted(m->name) +
               ",\"chunk_size\":" + std::to_string(m->chunk_size) + "}";
    if (const auto* m = std::get_if<RequestChunk>(&message))
        return R"({"type":"request_chunk","id":)" + hex(m->id) +
               ",\"index\":" + std::to_string(m->index) + "}";
    const auto& m = std::get<EndDownload>(message);
    return R"({"type":"end_download","id":)" + hex(m.id) + "}";
}

void check_taken(std::string_view text, const ClientMessage& message) {
    const JsonValue json = parse_json(text);
    if (const auto* m = std::get_if<StartUpload>(&message)) {
        check_chunk_size(m->chunk_size);
        FUZZ_CHECK(m->name == json.at("name").as_string());
        FUZZ_CHECK(m->size == json.at("size").as_uint());
        FUZZ_CHECK(m->mtime_ms.has_value() == (json.find("mtime") != nullptr));
        FUZZ_CHECK(m->id.has_value() == (json.find("id") != nullptr));
        FUZZ_CHECK(m->files.has_value() == (json.find("files") != nullptr));
        if (m->files) FUZZ_CHECK(m->files->size() == json.at("files").as_array().size());
        if (!m->files) FUZZ_CHECK(m->folders.empty());
    } else if (const auto* d = std::get_if<RequestDownload>(&message)) {
        check_chunk_size(d->chunk_size);
        FUZZ_CHECK(d->name == json.at("name").as_string());
    } else if (const auto* c = std::get_if<RequestChunk>(&message)) {
        FUZZ_CHECK(c->index == json.at("index").as_uint());
    }
    const std::string plain = plainest(message);
    FUZZ_CHECK(plainest(parse_client_message(plain)) == plain);
}

// The bytes in the daemon's messages: JSON whatever they are, read back as written when they
// are UTF-8, each `"type"` first.
void check_server_messages(std::string_view text, std::span<const uint8_t> bytes) {
    const Id id{};
    const bool utf8 = fuzz::well_formed_utf8(text);
    const std::vector<Range> missing{{0, bytes.size()}};
    for (const std::string& out :
         {upload_ready(id, text, missing), chunk_rejected(id, 1, text),
          upload_complete(id, text, bytes.size(), std::nullopt),
          download_ready(id, text, bytes.size(), -1, kMinChunkSize),
          error(std::nullopt, text, text), hello(bytes, kMaxChunkSize, kMaxInFlight),
          authenticated(bytes)}) {
        const JsonValue json = parse_json(out);
        FUZZ_CHECK(json.is_object() && json.keys().front() == "type");
        for (const char* key : {"name", "reason", "message", "code"})
            if (const JsonValue* value = json.find(key); value && utf8)
                FUZZ_CHECK(value->as_string() == text);
    }
}

void check_chunk_header(std::span<const uint8_t> bytes) {
    if (bytes.size() < kChunkHeaderSize) return;
    const auto header = bytes.first<kChunkHeaderSize>();
    const auto encoded = encode_chunk_header(decode_chunk_header(header));
    FUZZ_CHECK(std::equal(encoded.begin(), encoded.end(), header.begin(), header.end()));
}

} // namespace
} // namespace streamd::proto::web

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd::proto::web;
    // A copy of exactly the bytes given, so that ASan sees any read past them.
    const std::vector<uint8_t> owned(data, data + size);
    const std::string_view text(reinterpret_cast<const char*>(owned.data()), owned.size());

    std::optional<ClientMessage> taken;
    try {
        taken = parse_client_message(text);
    } catch (const MessageError& e) {
        FUZZ_CHECK(e.fatal == !object_with_string_type(text));
        check_reason(e.what());
    }
    if (taken) check_taken(text, *taken);

    check_server_messages(text.substr(0, 4096), std::span(owned).first(std::min(size, size_t{64})));
    check_chunk_header(owned);
    return 0;
}

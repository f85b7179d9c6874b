// The tus 1.0.0 endpoints of HttpConnection (docs/HTTP.md): each request checked against
// the protocol, then its upload leased from TusUploads and its body, if any, taken as a
// PUT's is.
#include "http_date.hpp"
#include "size_units.hpp"
#include "web/http_connection.hpp"

#include <ctime>
#include <spdlog/spdlog.h>

namespace streamd {

namespace {

namespace http = proto::http;
namespace tus = proto::tus;

constexpr std::string_view kExtensions =
    "creation,creation-with-upload,termination,checksum,concatenation,expiration";
constexpr std::string_view kBodyType = "application/offset+octet-stream";

// Content-Type without its parameters, compared without regard to case.
bool body_type_is_offset_stream(const http::Request& request) {
    auto type = request.find("Content-Type");
    if (!type) return false;
    std::string_view media = type->substr(0, type->find(';'));
    while (media.ends_with(' '))
        media.remove_suffix(1);
    return http::equal_ignoring_case(media, kBodyType);
}

} // namespace

ResponseHead HttpConnection::tus_head_of(int status) const {
    ResponseHead head(status);
    head.add("Tus-Resumable", tus::kVersion);
    return head;
}

void HttpConnection::tus_refuse(int status, std::string_view why, bool close) {
    refuse(tus_head_of(status), why, close);
}

void HttpConnection::add_expiry(ResponseHead& head) const {
    if (const uint64_t ttl = transfers_.storage().partial_ttl(); ttl != 0)
        head.add("Upload-Expires", http::http_date(std::time(nullptr) + static_cast<time_t>(ttl)));
}

void HttpConnection::tus_request(const http::Request& request, std::string_view id) {
    const bool has_body = request.content_length.value_or(0) > 0;
    if (request.method == http::Method::Options) {
        if (has_body) return tus_refuse(413, "an OPTIONS request takes no body", true);
        return tus_options();
    }
    if (request.find("Tus-Resumable") != tus::kVersion) {
        ResponseHead head = tus_head_of(412);
        head.add("Tus-Version", tus::kVersion);
        return refuse(head, "this server speaks tus 1.0.0: send Tus-Resumable: 1.0.0", has_body);
    }
    const bool collection = id.empty();
    const bool allowed = collection ? request.method == http::Method::Post
                                    : request.method == http::Method::Head ||
                                          request.method == http::Method::Patch ||
                                          request.method == http::Method::Delete;
    if (!allowed) {
        ResponseHead head = tus_head_of(405);
        head.add("Allow", collection ? "OPTIONS, POST" : "OPTIONS, HEAD, PATCH, DELETE");
        return refuse(head,
                      collection ? "uploads are created with POST"
                                 : "an upload takes HEAD, PATCH and DELETE",
                      has_body);
    }
    if (id.find('/') != std::string_view::npos) return tus_refuse(404, "no such upload", has_body);
    if (request.method == http::Method::Post) return tus_create(request);
    if (request.method == http::Method::Patch) return tus_patch(request, id);
    if (has_body) return tus_refuse(413, "only POST and PATCH take a body", true);
    if (request.method == http::Method::Head) return tus_head(id);
    tus_delete(id);
}

void HttpConnection::tus_options() {
    ResponseHead head = tus_head_of(204);
    head.add("Tus-Version", tus::kVersion)
        .add("Tus-Extension", kExtensions)
        .add("Tus-Checksum-Algorithm", "sha1");
    if (const uint64_t most = transfers_.storage().max_file_size(); most != 0)
        head.add("Tus-Max-Size", std::to_string(most));
    respond(head, {});
}

bool HttpConnection::take_checksum(const http::Request& request) {
    checksum_.reset();
    auto field = request.find("Upload-Checksum");
    if (!field) return true;
    auto checksum = tus::parse_checksum(*field);
    if (!checksum) {
        tus_refuse(400, "Upload-Checksum is not an algorithm and a Base64 digest", true);
        return false;
    }
    if (checksum->algorithm != "sha1") {
        tus_refuse(400, "the only checksum algorithm here is sha1", true);
        return false;
    }
    checksum_ = std::move(checksum->digest);
    return true;
}

void HttpConnection::tus_create(const http::Request& request) {
    const uint64_t body = request.content_length.value_or(0);
    const bool has_body = body > 0;
    const std::string metadata(request.find("Upload-Metadata").value_or(""));
    auto pairs = tus::parse_metadata(metadata);
    if (!pairs) return tus_refuse(400, "Upload-Metadata is not keys with Base64 values", has_body);
    std::optional<tus::Concat> concat;
    if (auto field = request.find("Upload-Concat")) {
        concat = tus::parse_concat(*field);
        if (!concat)
            return tus_refuse(400, "Upload-Concat is neither partial nor final;URL ...", has_body);
        if (concat->final) return tus_concatenate(request, *concat);
    }
    if (request.find("Upload-Defer-Length"))
        return tus_refuse(
            400, "uploads of a length not known yet are not taken: send Upload-Length", has_body);
    auto field = request.find("Upload-Length");
    if (!field) return tus_refuse(400, "a new upload needs an Upload-Length", has_body);
    auto length = tus::parse_size(*field);
    if (!length) return tus_refuse(400, "Upload-Length is not a size in bytes", has_body);
    if (has_body && !body_type_is_offset_stream(request))
        return tus_refuse(415, "the body must be application/offset+octet-stream", true);
    if (body > *length) return tus_refuse(413, "the body runs past Upload-Length", true);
    if (!take_checksum(request)) return;
    try {
        lease_.emplace(tus_.create(*length, metadata, concat.has_value(), peer_));
    } catch (const Refusal& r) {
        spdlog::info("http {}: upload refused: {}", peer_, r.message);
        return tus_refuse(status_of(r), r.message, has_body);
    }
    body_of_ = BodyOf::TusCreation;
    take_body(*lease_->cursor(), body, request);
}

void HttpConnection::tus_concatenate(const http::Request& request, const tus::Concat& concat) {
    const bool has_body = request.content_length.value_or(0) > 0;
    if (has_body) return tus_refuse(400, "a final upload takes no body", true);
    if (request.find("Upload-Length"))
        return tus_refuse(400, "a final upload has the length of its parts: no Upload-Length",
                          false);
    try {
        lease_.emplace(tus_.concatenate(
            concat.parts, std::string(request.find("Upload-Metadata").value_or("")), peer_));
    } catch (const Refusal& r) {
        spdlog::info("http {}: final upload refused: {}", peer_, r.message);
        return tus_refuse(r.code == proto::ErrorCode::BadFrame ? 400 : status_of(r), r.message,
                          false);
    }
    body_of_ = BodyOf::TusCreation;
    checksum_.reset();
    // The parts are written into the file already: the body is all there is.
    cursor_ = lease_->cursor();
    phase_ = Phase::Body;
    accept_written();
    body_left_ = 0;
    body_done();
}

void HttpConnection::tus_head(std::string_view id) {
    auto leased = tus_.lease(id, peer_);
    if (auto* unavailable = std::get_if<TusUploads::Unavailable>(&leased))
        return tus_refuse(unavailable->status, unavailable->why, false);
    auto& lease = std::get<TusUploads::Lease>(leased);
    ResponseHead head = tus_head_of(200);
    const UploadCursor* cursor = lease.cursor();
    head.add("Upload-Offset", std::to_string(cursor ? cursor->offset() : lease.length()))
        .add("Upload-Length", std::to_string(lease.length()))
        .add("Cache-Control", "no-store");
    if (!lease.metadata().empty()) head.add("Upload-Metadata", lease.metadata());
    if (auto concat = lease.concat(); !concat.empty()) head.add("Upload-Concat", concat);
    if (cursor) add_expiry(head);
    respond(head, {});
}

void HttpConnection::tus_patch(const http::Request& request, std::string_view id) {
    const bool has_body = request.content_length.value_or(0) > 0;
    if (!body_type_is_offset_stream(request))
        return tus_refuse(415, "the body must be application/offset+octet-stream", has_body);
    auto field = request.find("Upload-Offset");
    auto offset = field ? tus::parse_size(*field) : std::nullopt;
    if (!offset) return tus_refuse(400, "a PATCH needs an Upload-Offset in bytes", has_body);
    if (!request.content_length) return tus_refuse(411, "a PATCH needs a Content-Length", true);
    if (!take_checksum(request)) return;
    auto leased = tus_.lease(id, peer_);
    if (auto* unavailable = std::get_if<TusUploads::Unavailable>(&leased))
        return tus_refuse(unavailable->status, unavailable->why, has_body);
    lease_.emplace(std::move(std::get<TusUploads::Lease>(leased)));
    if (!lease_->concat().empty() && !lease_->partial()) {
        lease_.reset();
        return tus_refuse(403, "a final upload is made of its parts: it takes no PATCH", has_body);
    }
    UploadCursor* cursor = lease_->cursor();
    const uint64_t at = cursor ? cursor->offset() : lease_->length();
    if (*offset != at) {
        lease_.reset();
        ResponseHead head = tus_head_of(409);
        head.add("Upload-Offset", std::to_string(at));
        return refuse(head,
                      "Upload-Offset is " + std::to_string(*offset) + ", the upload stands at " +
                          std::to_string(at),
                      has_body);
    }
    if (*request.content_length > lease_->length() - at) {
        lease_.reset();
        return tus_refuse(413, "the body runs past Upload-Length", true);
    }
    if (!cursor) {
        // Complete already, and nothing sent: the offset is the answer.
        ResponseHead head = tus_head_of(204);
        head.add("Upload-Offset", std::to_string(at));
        lease_.reset();
        return respond(head, {});
    }
    body_of_ = BodyOf::TusPatch;
    take_body(*cursor, *request.content_length, request);
}

void HttpConnection::tus_delete(std::string_view id) {
    if (auto unavailable = tus_.terminate(id, peer_))
        return tus_refuse(unavailable->status, unavailable->why, false);
    spdlog::info("http {}: upload {} terminated", peer_, id);
    respond(tus_head_of(204), {});
}

} // namespace streamd

#include "web/http_connection.hpp"

#include "content_disposition.hpp"
#include "engine/worker.hpp"
#include "http_date.hpp"
#include "http_host.hpp"
#include "http_range.hpp"
#include "http_target.hpp"
#include "size_units.hpp"
#include "storage/received_files.hpp"
#include "transfer/transfer_log.hpp"
#include "version.hpp"
#include "web/range_sha1.hpp"
#include "web/web_api.hpp"
#include "web/web_assets.hpp"
#include "web/web_session.hpp"
#include "websocket_handshake.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <system_error>
#include <utility>

namespace streamd {

namespace {

namespace http = proto::http;

// What a daemon with [web] enabled = false answers every HTTP client, so that a browser
// shows why rather than a broken connection.
constexpr std::string_view kDisabledReply = "HTTP/1.1 501 Not Implemented\r\n"
                                            "Content-Type: text/plain; charset=utf-8\r\n"
                                            "Content-Length: 40\r\n"
                                            "Connection: close\r\n"
                                            "\r\n"
                                            "streamd serves no web pages on this port\n";
// Plain HTTP where [tls] mode is "required": the same port speaks HTTPS.
constexpr std::string_view kPlainReply = "HTTP/1.1 403 Forbidden\r\n"
                                         "Content-Type: text/plain; charset=utf-8\r\n"
                                         "Content-Length: 40\r\n"
                                         "Connection: close\r\n"
                                         "\r\n"
                                         "streamd answers only HTTPS on this port\n";
constexpr std::string_view kFilesPrefix = "/files/";
constexpr std::string_view kTokenCookie = "streamd_token=";
constexpr std::string_view kBearer = "Bearer ";

// Strong: it changes whenever the file is replaced (inode), written (size, mtime) or
// touched, and the same bytes always get the same one.
std::string etag_of(const struct stat& st) {
    auto mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
                    static_cast<uint64_t>(st.st_mtim.tv_nsec);
    return fmt::format("\"{:x}-{:x}-{:x}\"", static_cast<uint64_t>(st.st_ino),
                       static_cast<uint64_t>(st.st_size), mtime_ns);
}

// If-None-Match compares weakly (RFC 9110 13.1.2): a W/ prefix does not matter.
bool etag_listed(std::string_view field, std::string_view etag) {
    for (std::string_view tag : http::split_list(field)) {
        if (tag == "*") return true;
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        if (tag == etag) return true;
    }
    return false;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string_view as_text(std::span<const unsigned char> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

} // namespace

HttpConnection::HttpConnection(Worker& worker, Transfers& transfers, TusUploads& tus,
                               const MetricsSource& metrics, Arrival arrival)
    : Connection(worker, std::move(arrival.wire)), transfers_(transfers), tus_(tus),
      metrics_(metrics), peer_(std::move(arrival.peer)), admission_(std::move(arrival.admission)),
      peer_on_loopback_(arrival.peer_on_loopback), plain_refused_(arrival.plain_refused),
      waiting_since_(arrival.accepted_at) {
    body_.pace(&transfers_.send_limit(), nullptr);
    have_ = std::min(arrival.received.size(), in_.size());
    std::copy_n(arrival.received.begin(), have_, in_.begin());
}

void HttpConnection::start() {
    const bool enabled = transfers_.settings().web_enabled();
    if (enabled && !plain_refused_) return parse_head();
    phase_ = Phase::Responding;
    close_after_ = true;
    send_bytes(bytes_of(enabled ? kPlainReply : kDisabledReply));
}

void HttpConnection::internal_error(const std::string& what) {
    spdlog::info("http {}: dropped after an internal error: {}", peer_, what);
}

// ---- request heads --------------------------------------------------------------------

void HttpConnection::read_more() {
    receive({in_.data() + have_, in_.size() - have_});
}

void HttpConnection::on_recv(int res) {
    if (res < 0) return drop(std::string("connection lost: ") + std::strerror(-res));
    if (res == 0) {
        if (have_ == 0) return close(); // between requests: the client is done
        return drop("connection closed in the middle of a request head");
    }
    // A keep-alive connection's next head is timed from its first byte.
    if (have_ == 0 && !first_request_) waiting_since_ = Clock::now();
    have_ += static_cast<size_t>(res);
    parse_head();
}

void HttpConnection::parse_head() {
    auto result = parser_.parse({in_.data(), have_});
    if (std::holds_alternative<http::NeedMore>(result)) {
        // The parser decides within kMaxHead bytes, so there is always room here.
        if (have_ == in_.size()) return refuse(431, "the request head is too large", true);
        return read_more();
    }
    phase_ = Phase::Responding;
    first_request_ = false;
    if (const auto* error = std::get_if<http::RequestError>(&result)) {
        log_line_ = "malformed request";
        spdlog::info("http {}: {} {}: {}", peer_, static_cast<int>(error->status),
                     reason_phrase(static_cast<int>(error->status)), error->reason);
        return refuse(static_cast<int>(error->status), error->reason, true);
    }
    admission_.settle();
    handle(std::get<http::Request>(result));
}

void HttpConnection::handle(const http::Request& request) {
    request_size_ = request.head_size;
    head_only_ = request.method == http::Method::Head;
    close_after_ =
        request.version == http::Version::Http10 || request.has_token("Connection", "close");
    log_line_ = fmt::format("{} {}", http::to_string(request.method), request.target);

    auto key = transfers_.settings().secret_key();
    if (!peer_on_loopback_ && !key)
        return refuse(
            403, "the web interface accepts only loopback clients: set [auth] secret_file", true);
    // A page elsewhere can point a browser at 127.0.0.1 under a name of its own (DNS
    // rebinding); clients off loopback prove the key instead.
    if (auto host = request.find("Host");
        peer_on_loopback_ && host && !http::is_local_authority(*host))
        return refuse(403, "the web interface answers only requests for localhost or an IP address",
                      true);
    std::string_view path = http::split_target(request.target).path;
    const bool private_path =
        path == "/api/files" || path == "/metrics" || path.starts_with(kFilesPrefix);
    const bool has_body = request.content_length.value_or(0) > 0;
    const bool uploads =
        path == kUploadsPath.substr(0, kUploadsPath.size() - 1) || path.starts_with(kUploadsPath);
    if (uploads || (request.method == http::Method::Put && path.starts_with(kFilesPrefix))) {
        // Refused before the body, the connection closes: the body would follow.
        if (!peer_on_loopback_ && !has_token(request, *key))
            return refuse(403, "the key is needed: enter it on the page first", has_body);
        if (uploads)
            return tus_request(request, path.size() < kUploadsPath.size()
                                            ? std::string_view()
                                            : path.substr(kUploadsPath.size()));
        return take_file(request, path.substr(kFilesPrefix.size()));
    }
    if (has_body)
        return refuse(413, "only uploads (PUT of /files/NAME, tus under /uploads/) take a body",
                      true);

    bool known = path == "/" || path == "/streamd.js" || path == "/ws" || path == "/api/files" ||
                 path == "/api/info" || path == "/metrics" || path.starts_with(kFilesPrefix);
    if (!known) return refuse(404, "not found", false);
    if (request.method != http::Method::Get && request.method != http::Method::Head) {
        ResponseHead head(405);
        const bool files = path.starts_with(kFilesPrefix);
        head.add("Allow", path == "/ws" ? "GET" : files ? "GET, HEAD, PUT" : "GET, HEAD");
        return refuse(head,
                      files ? "only GET, HEAD and PUT are allowed here"
                            : "only GET and HEAD are allowed here",
                      false);
    }
    if (path == "/") return serve_asset("index.html");
    if (path == "/streamd.js") return serve_asset("streamd.js");
    if (path == "/ws") return upgrade(request, !peer_on_loopback_);
    if (private_path && !peer_on_loopback_ && !has_token(request, *key))
        return refuse(403, "the key is needed: enter it on the page first", false);
    if (path.starts_with(kFilesPrefix))
        return serve_file(request, path.substr(kFilesPrefix.size()));

    if (path == "/metrics") {
        ResponseHead head(200);
        head.add("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            .add("Cache-Control", "no-cache");
        return respond(head, metrics_text(metrics_.metrics()));
    }
    std::string body;
    if (path == "/api/info") {
        body = info_json(STREAMD_VERSION, transfers_.storage().max_file_size(), key != nullptr);
    } else {
        try {
            body = files_json(received_files(transfers_.storage().dir()));
        } catch (const std::system_error& e) {
            spdlog::info("http {}: cannot list the received files: {}", peer_, e.what());
            return refuse(500, "cannot list the received files", false);
        }
    }
    ResponseHead head(200);
    head.add("Content-Type", "application/json").add("Cache-Control", "no-cache");
    respond(head, body);
}

bool HttpConnection::has_token(const http::Request& request, const SecretKey& key) {
    const std::string expected = proto::to_hex(proto::web_token(key.bytes()));
    auto matches = [&expected](std::string_view value) {
        return value.size() == expected.size() &&
               CRYPTO_memcmp(value.data(), expected.data(), expected.size()) == 0;
    };
    // Clients that are not browsers, such as Prometheus, show it as a bearer token.
    if (auto authorization = request.find("Authorization"))
        return authorization->starts_with(kBearer) &&
               matches(authorization->substr(kBearer.size()));
    auto cookies = request.find("Cookie");
    if (!cookies) return false;
    // "a=1; streamd_token=…; b=2" (RFC 6265 4.2.1)
    std::string_view rest = *cookies;
    while (!rest.empty()) {
        size_t end = rest.find(';');
        std::string_view pair = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        while (pair.starts_with(' '))
            pair.remove_prefix(1);
        if (!pair.starts_with(kTokenCookie)) continue;
        return matches(pair.substr(kTokenCookie.size()));
    }
    return false;
}

void HttpConnection::upgrade(const http::Request& request, bool needs_key) {
    auto checked = proto::websocket::check_upgrade(request);
    if (auto* error = std::get_if<http::RequestError>(&checked)) {
        ResponseHead head(static_cast<int>(error->status));
        if (error->status == http::Status::UpgradeRequired)
            head.add("Upgrade", "websocket").add("Sec-WebSocket-Version", "13");
        return refuse(head, error->reason, true);
    }
    const auto& up = std::get<proto::websocket::Upgrade>(checked);
    std::string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                           proto::websocket::accept_key(up.key) + "\r\n\r\n";
    spdlog::debug("http {}: {} -> 101", peer_, log_line_);
    std::span<const uint8_t> after(in_.data() + request_size_, have_ - request_size_);
    auto session =
        std::make_unique<WebSession>(worker_, transfers_, give_up_transport(), std::move(peer_),
                                     std::move(admission_), needs_key, std::move(response), after);
    worker_.adopt(std::move(session));
}

void HttpConnection::serve_asset(std::string_view name) {
    const WebAsset* asset = find_web_asset(name);
    if (!asset) return refuse(404, "not found", false);
    ResponseHead head(200);
    head.add("Content-Type", asset->content_type).add("Cache-Control", "no-cache");
    respond(head, as_text(asset->bytes));
}

void HttpConnection::serve_file(const http::Request& request, std::string_view encoded_name) {
    // An encoded "/" decodes into the name, where name_problem() refuses it.
    auto name = http::percent_decode(encoded_name);
    std::optional<OpenedFile> file;
    if (name) file = open_received_file(transfers_.storage().dir(), *name);
    if (!file) return refuse(404, "no such file", false);

    const auto size = static_cast<uint64_t>(file->st.st_size);
    const std::string etag = etag_of(file->st);
    const std::string modified = http::http_date(file->st.st_mtim.tv_sec);
    if (auto tags = request.find("If-None-Match"); tags && etag_listed(*tags, etag)) {
        ResponseHead head(304);
        head.add("ETag", etag).add("Last-Modified", modified);
        spdlog::debug("http {}: {} -> 304", peer_, log_line_);
        send_bytes(bytes_of(head.text(std::nullopt, close_after_)));
        return;
    }

    http::RangeRequest range = http::WholeRepresentation{};
    // Range is for GET alone (RFC 9110 14.2); If-Range with anything but the current
    // strong validator asks for the whole file.
    if (auto field = request.find("Range"); field && request.method == http::Method::Get) {
        auto validator = request.find("If-Range");
        if (!validator || *validator == etag) range = http::evaluate_range(*field, size);
    }
    if (std::holds_alternative<http::Unsatisfiable>(range)) {
        ResponseHead head(416);
        head.add("Content-Range", http::unsatisfied_content_range(size));
        return refuse(head, "the range lies outside the file", false);
    }
    const auto* part = std::get_if<http::ByteRange>(&range);
    ResponseHead head(part ? 206 : 200);
    head.add("Content-Type", "application/octet-stream")
        .add("Content-Disposition", http::attachment_disposition(*name))
        .add("ETag", etag)
        .add("Last-Modified", modified)
        .add("Accept-Ranges", "bytes");
    if (part) head.add("Content-Range", http::content_range(*part, size));
    const uint64_t first = part ? part->first : 0;
    const uint64_t length = part ? part->length() : size;
    spdlog::debug("http {}: {} -> {} ({} bytes)", peer_, log_line_, head.status(), length);
    std::string text = head.text(length, close_after_);
    if (head_only_ || length == 0) return send_bytes(bytes_of(text));
    file_ = std::move(file->fd);
    body_offset_ = first;
    body_length_ = length;
    body_pending_ = true;
    // The head shares its segment with the first data.
    send_bytes(bytes_of(text), MSG_MORE);
}

// ---- uploads ------------------------------------------------------------------------

void HttpConnection::take_file(const http::Request& request, std::string_view encoded_name) {
    auto name = http::percent_decode(encoded_name);
    if (!name) return refuse(400, "the name is not a valid percent-encoded path segment", true);
    if (!request.content_length) return refuse(411, "a PUT needs a Content-Length", true);
    try {
        upload_ = std::make_unique<HttpUpload>(transfers_, *name, *request.content_length, peer_);
    } catch (const Refusal& r) {
        spdlog::info("http {}: upload of {} refused: {}", peer_, *name, r.message);
        return refuse(status_of(r), r.message, true);
    }
    body_of_ = BodyOf::Put;
    checksum_.reset();
    take_body(upload_->cursor(), *request.content_length, request);
}

void HttpConnection::take_body(UploadCursor& cursor, uint64_t length,
                               const http::Request& request) {
    cursor_ = &cursor;
    body_left_ = length;
    phase_ = Phase::Body;
    if (length > 0 && request.has_token("Expect", "100-continue"))
        send_bytes(bytes_of("HTTP/1.1 100 Continue\r\n\r\n"));
    // What came with the head, a few KiB at most, is written as it is.
    auto early = std::min<uint64_t>(have_ - request_size_, length);
    while (early > 0) {
        const auto piece = cursor.next(early);
        if (::pwrite(piece.file, in_.data() + request_size_, piece.length,
                     static_cast<off_t>(piece.offset)) != static_cast<ssize_t>(piece.length))
            return upload_failed(507, Failure::Storage,
                                 std::string("cannot write the file: ") + std::strerror(errno));
        request_size_ += piece.length;
        early -= piece.length;
        body_left_ -= piece.length;
        cursor.wrote(piece.length);
        if (!checksum_) accept_written();
    }
    next_piece();
}

void HttpConnection::next_piece() {
    if (body_left_ == 0) return body_done();
    piece_ = cursor_->next(body_left_);
    piece_data_.start(piece_->file, piece_->offset, piece_->length, false);
}

void HttpConnection::on_socket_read(int res) {
    piece_step(piece_data_.on_socket_read(res));
}

void HttpConnection::on_file_write(int res) {
    piece_step(piece_data_.on_file_write(res));
}

void HttpConnection::piece_step(Step step) {
    if (phase_ != Phase::Body || step == Step::Going) return;
    if (step == Step::Failed) {
        if (!piece_data_.file_failed()) return drop(piece_data_.failure());
        return upload_failed(507, Failure::Storage,
                             "cannot write the file: " + piece_data_.failure());
    }
    body_left_ -= piece_->length;
    cursor_->wrote(piece_->length);
    // With a checksum to match, nothing counts before the whole body is in.
    if (!checksum_) accept_written();
    next_piece();
}

void HttpConnection::accept_written() {
    if (cursor_->accept()) chunk_syncer_.chunk_done(cursor_->transfer());
}

void HttpConnection::body_done() {
    if (checksum_) {
        const uint64_t from = cursor_->offset();
        auto digest = range_sha1(cursor_->transfer()->file(), from, cursor_->written_end() - from);
        if (!digest)
            return upload_failed(507, Failure::Storage,
                                 std::string("cannot read the file back: ") + std::strerror(errno));
        if (*digest != *checksum_) {
            cursor_->reject();
            spdlog::info("http {}: {}: the body does not match its Upload-Checksum", peer_,
                         log_line_);
            ResponseHead head = tus_head_of(460);
            if (body_of_ == BodyOf::TusCreation)
                head.add("Location", std::string(kUploadsPath) + lease_->id());
            head.add("Upload-Offset", std::to_string(cursor_->offset()));
            cursor_ = nullptr;
            lease_.reset();
            phase_ = Phase::Responding;
            return refuse(head, "the body does not match its Upload-Checksum", false);
        }
        accept_written();
    }
    if (!cursor_->complete() || (lease_ && lease_->partial())) return uploaded({});
    try {
        commit_.emplace(cursor_->transfer(), proto::FileDigest{});
    } catch (const Refusal& r) {
        return upload_failed(status_of(r), failure_of(r.code), r.message);
    }
    commit_step();
}

void HttpConnection::on_chunk_sync(int res) {
    auto failed = chunk_syncer_.on_complete(res);
    if (phase_ != Phase::Body) return;
    if (!failed) return chunk_syncer_.chunk_done(cursor_->transfer());
    upload_failed(507, Failure::Storage,
                  std::string("cannot write the file: ") + std::strerror(-failed->error));
}

void HttpConnection::commit_step() {
    if (int fd = commit_->pending_sync(); fd >= 0) return commit_sync_.start({fd}, false);
    const std::string stored = commit_->stored();
    commit_.reset();
    const auto t = cursor_->transfer();
    t->succeed(stored);
    transfers_.registry().forget_incoming(t->offer().id);
    log_transfer(spdlog::level::info, *t, "received {} ({}) from {} over HTTP, stored as {}",
                 t->name(), proto::format_size(t->size()), peer_, stored);
    if (lease_) lease_->stored(stored);
    uploaded(stored);
}

void HttpConnection::on_commit_sync(int res) {
    if (phase_ != Phase::Body) return;
    try {
        commit_->synced(*commit_sync_.on_complete(res));
    } catch (const Refusal& r) {
        return upload_failed(status_of(r), failure_of(r.code), r.message);
    }
    commit_step();
}

void HttpConnection::uploaded(const std::string& stored) {
    phase_ = Phase::Responding;
    const uint64_t offset = cursor_->offset();
    cursor_ = nullptr;
    if (body_of_ == BodyOf::Put) {
        upload_.reset();
        ResponseHead head(201);
        head.add("Location", std::string(kFilesPrefix) + http::percent_encode(stored))
            .add("Content-Type", "text/plain; charset=utf-8");
        return respond(head, "stored as " + stored + "\n");
    }
    ResponseHead head = tus_head_of(body_of_ == BodyOf::TusCreation ? 201 : 204);
    if (body_of_ == BodyOf::TusCreation)
        head.add("Location", std::string(kUploadsPath) + lease_->id());
    head.add("Upload-Offset", std::to_string(offset));
    if (stored.empty())
        add_expiry(head);
    else
        head.add("Streamd-Stored", http::percent_encode(stored));
    lease_.reset();
    respond(head, {});
}

void HttpConnection::upload_failed(int status, Failure kind, const std::string& why) {
    const auto t = cursor_->transfer();
    if (status >= 500)
        log_transfer(spdlog::level::err, *t, "cannot receive {}: {}", t->name(), why);
    // Answering now: closing the transfer's streams must not close this one first.
    phase_ = Phase::Responding;
    cursor_ = nullptr;
    if (upload_) {
        upload_->fail(kind, why);
        return refuse(status, why, true);
    }
    // A tus upload keeps its partial file for a resume.
    transfers_.fail_incoming(*t, peer_, kind, why);
    lease_.reset();
    refuse(tus_head_of(status), why, true);
}

void HttpConnection::cancel() {
    // A connection telling its client why the upload failed says it first.
    if (phase_ != Phase::Body) return;
    close();
}

// ---- responses ----------------------------------------------------------------------

void HttpConnection::respond(const ResponseHead& head, std::string_view body, bool close) {
    close_after_ = close_after_ || close;
    spdlog::debug("http {}: {} -> {} ({} bytes)", peer_, log_line_, head.status(), body.size());
    // A 204 has no body, and so no Content-Length either (RFC 9110 8.6).
    std::string out = head.text(
        head.status() == 204 ? std::nullopt : std::optional<uint64_t>(body.size()), close_after_);
    if (!head_only_) out.append(body);
    send_bytes(bytes_of(out));
}

void HttpConnection::refuse(int status, std::string_view why, bool close) {
    refuse(ResponseHead(status), why, close);
}

void HttpConnection::refuse(ResponseHead head, std::string_view why, bool close) {
    head.add("Content-Type", "text/plain; charset=utf-8");
    respond(head, std::string(why) + "\n", close);
}

void HttpConnection::on_send(int res) {
    if (res < 0) return drop(std::string("connection lost: ") + std::strerror(-res));
    // A 100 Continue went out ahead of the body.
    if (!sent(res) || phase_ == Phase::Body) return;
    if (std::exchange(body_pending_, false))
        return body_.start(file_.get(), body_offset_, body_length_);
    response_done();
}

void HttpConnection::response_done() {
    if (close_after_) return end();
    next_request();
}

void HttpConnection::next_request() {
    // Whatever followed the answered head is the start of the next one.
    std::memmove(in_.data(), in_.data() + request_size_, have_ - request_size_);
    have_ -= request_size_;
    request_size_ = 0;
    parser_.reset();
    phase_ = Phase::Head;
    head_only_ = false;
    waiting_since_ = Clock::now();
    body_.release_pipe();
    if (have_ > 0) return parse_head();
    read_more();
}

// ---- file bodies --------------------------------------------------------------------

void HttpConnection::on_file_read(int res) {
    body_step(body_.on_file_read(res));
}

void HttpConnection::on_socket_write(int res) {
    body_step(body_.on_socket_write(res));
}

void HttpConnection::on_pause(int res) {
    body_step(body_.on_pause(res));
}

void HttpConnection::body_step(Step step) {
    if (step == Step::Failed) return drop(body_.failure());
    if (step == Step::Going) return;
    file_.reset();
    response_done();
}

// ---- the end ------------------------------------------------------------------------

void HttpConnection::end() {
    phase_ = Phase::Ending;
    file_.reset();
    linger();
}

void HttpConnection::drop(std::string_view why) {
    spdlog::info("http {}: {}", peer_, why);
    close();
}

void HttpConnection::check_time(Clock::time_point now) {
    using std::chrono::seconds;
    const Config::Limits limits = transfers_.settings().limits();
    switch (phase_) {
    case Phase::Ending:
        return;
    case Phase::Body:
        if (cursor_->transfer()->stalled(now, active_at_, limits.idle_timeout)) {
            const std::string why =
                "nothing arrived from the client for " + std::to_string(limits.idle_timeout) + " s";
            // A PUT cannot be resumed; a tus upload waits for its client with what it has.
            if (upload_) upload_->fail(Failure::Connection, why);
            drop(why);
        }
        return;
    case Phase::Head:
        if (first_request_ && admission_.shed()) {
            spdlog::debug("http {}: closed before its first request: a newer connection took "
                          "its place",
                          peer_);
            return close();
        }
        if (have_ == 0 && !first_request_) {
            if (limits.idle_timeout != 0 && now - waiting_since_ >= seconds(limits.idle_timeout)) {
                spdlog::debug("http {}: idle for {} s, closed", peer_, limits.idle_timeout);
                close();
            }
            return;
        }
        // Slowloris: a head that trickles in holds a connection as long as it is let.
        if (limits.handshake_timeout != 0 &&
            now - waiting_since_ >= seconds(limits.handshake_timeout))
            drop("no complete request head within " + std::to_string(limits.handshake_timeout) +
                 " s");
        return;
    case Phase::Responding:
        if (limits.idle_timeout != 0 && now - active_at_ >= seconds(limits.idle_timeout))
            drop("the response made no progress for " + std::to_string(limits.idle_timeout) + " s");
        return;
    }
}

} // namespace streamd

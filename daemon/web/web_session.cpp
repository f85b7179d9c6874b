#include "web/web_session.hpp"

#include "engine/mapped_region.hpp"
#include "engine/random_bytes.hpp"
#include "engine/worker.hpp"
#include "size_units.hpp"
#include "storage/received_files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace streamd {

namespace {

namespace ws = proto::websocket;
namespace web = proto::web;

// Room for a chunk's data to arrive in pieces of a useful size; frames need not fit.
constexpr size_t kReceiveBuffer = 256 * 1024;
constexpr size_t kMaxDownloads = 16;

} // namespace

WebSession::WebSession(Worker& worker, Transfers& transfers, std::unique_ptr<Transport> wire,
                       std::string peer, Admission admission, bool needs_key, std::string response,
                       std::span<const uint8_t> received)
    : Connection(worker, std::move(wire)), transfers_(transfers), peer_(std::move(peer)),
      admission_(std::move(admission)), response_(std::move(response)),
      in_(std::max(kReceiveBuffer, received.size())), assembler_(web::kMaxTextMessage) {
    rules_.max_payload = web::kMaxBinaryMessage;
    body_.pace(&transfers_.send_limit(), nullptr);
    std::copy(received.begin(), received.end(), in_.begin());
    have_ = received.size();
    if (needs_key) {
        nonce_.emplace();
        random_bytes(*nonce_);
    }
}

WebSession::~WebSession() = default;

void WebSession::start() {
    std::string hello =
        web::hello(nonce_ ? std::optional<std::span<const uint8_t>>(*nonce_) : std::nullopt,
                   web::kMaxChunkSize, web::kMaxInFlight);
    std::vector<uint8_t> out(response_.begin(), response_.end());
    ws::encode_text(hello, out);
    send_bytes(out);
    response_.clear();
    spdlog::debug("web {}: WebSocket open", peer_);
    process();
}

void WebSession::internal_error(const std::string& what) {
    spdlog::warn("web {}: internal error: {}", peer_, what);
    fail(ws::CloseCode::InternalError, "internal error");
}

// ---- frames -------------------------------------------------------------------------

void WebSession::read_more() {
    // What is dealt with makes room; nothing in flight points into in_ here.
    if (pos_ > 0) {
        std::memmove(in_.data(), in_.data() + pos_, have_ - pos_);
        have_ -= pos_;
        pos_ = 0;
    }
    receive({in_.data() + have_, in_.size() - have_});
}

void WebSession::on_recv(int res) {
    if (closing_handshake_) return;
    if (res < 0) {
        spdlog::info("web {}: connection lost: {}", peer_, std::strerror(-res));
        return close();
    }
    if (res == 0) {
        spdlog::info("web {}: closed by the client without a close frame", peer_);
        return close();
    }
    pinged_ = false;
    received_at_ = Clock::now();
    have_ += static_cast<size_t>(res);
    process();
}

void WebSession::process() {
    try {
        while (!closing_handshake_ && !writing_ && !closing()) {
            if (!frame_) {
                if (!begin_frame()) return;
                continue;
            }
            const uint64_t n = std::min<uint64_t>(frame_left_, have_ - pos_);
            if (n == 0 && frame_left_ > 0) return read_more();
            std::span<uint8_t> piece(in_.data() + pos_, static_cast<size_t>(n));
            ws::unmask(piece, frame_->mask, frame_done_);
            pos_ += n;
            frame_done_ += n;
            frame_left_ -= n;
            if (!frame_binary_)
                payload_.insert(payload_.end(), piece.begin(), piece.end());
            else if (auto w = uploads_.piece(piece))
                write(*w);
            if (frame_left_ == 0 && !writing_) end_frame();
        }
    } catch (const web::MessageError& e) {
        // Not a JSON object: not a client of this protocol.
        fail(ws::CloseCode::UnsupportedData, e.what());
    } catch (const WebUploads::Violation& v) {
        fail(v.code, v.reason);
    }
}

bool WebSession::begin_frame() {
    auto result = ws::parse_header({in_.data() + pos_, have_ - pos_}, rules_);
    if (std::holds_alternative<ws::NeedMore>(result)) {
        read_more();
        return false;
    }
    if (auto* error = std::get_if<ws::ProtocolError>(&result)) {
        fail(error->code, error->reason);
        return false;
    }
    const auto& h = std::get<ws::FrameHeader>(result);
    const bool continues_binary = binary_open_ && h.opcode == ws::Opcode::Continuation;
    if (binary_open_ && !ws::is_control(h.opcode) && !continues_binary) {
        fail(ws::CloseCode::ProtocolError, "a new message starts before the last one ended");
        return false;
    }
    frame_binary_ = continues_binary || h.opcode == ws::Opcode::Binary;
    if (frame_binary_ && assembler_.in_message()) {
        fail(ws::CloseCode::ProtocolError, "a new message starts before the last one ended");
        return false;
    }
    if (!frame_binary_) {
        if (auto error = assembler_.check(h)) {
            fail(error->code, error->reason);
            return false;
        }
        if (nonce_ && h.opcode != ws::Opcode::Text && !ws::is_control(h.opcode)) {
            fail(ws::CloseCode::PolicyViolation, "authenticate first");
            return false;
        }
    } else {
        if (nonce_) {
            fail(ws::CloseCode::PolicyViolation, "authenticate first");
            return false;
        }
        if (h.opcode == ws::Opcode::Binary) uploads_.begin_message();
        uploads_.frame(h.payload_length);
        binary_open_ = !h.fin;
    }
    pos_ += h.header_size;
    frame_ = h;
    frame_left_ = h.payload_length;
    frame_done_ = 0;
    payload_.clear();
    if (frame_left_ == 0) end_frame();
    return true;
}

void WebSession::end_frame() {
    const ws::FrameHeader h = *frame_;
    frame_.reset();
    if (frame_binary_) {
        if (!h.fin) return;
        if (auto answer = uploads_.end_message()) send_text(*answer);
        if (auto upload = uploads_.last_written()) chunk_syncer_.chunk_done(upload);
        return;
    }
    auto result = assembler_.add(h, payload_);
    if (auto* error = std::get_if<ws::ProtocolError>(&result))
        return fail(error->code, error->reason);
    if (auto* m = std::get_if<ws::Message>(&result)) on_message(*m);
}

void WebSession::on_message(const ws::Message& m) {
    switch (m.opcode) {
    case ws::Opcode::Ping: {
        std::vector<uint8_t> out;
        ws::encode_pong(m.payload, out);
        return send_frame_bytes(std::move(out));
    }
    case ws::Opcode::Pong:
        return;
    case ws::Opcode::Close: {
        auto close = std::get<ws::Close>(ws::parse_close(m.payload));
        spdlog::debug("web {}: the client closed ({})", peer_, close.code.value_or(1005));
        return close_with(close.code.value_or(static_cast<uint16_t>(ws::CloseCode::Normal)), "");
    }
    case ws::Opcode::Text:
        return on_text({reinterpret_cast<const char*>(m.payload.data()), m.payload.size()});
    default:
        return;
    }
}

// ---- control messages ---------------------------------------------------------------

void WebSession::on_text(std::string_view text) {
    web::ClientMessage message;
    try {
        message = web::parse_client_message(text);
    } catch (const web::MessageError& e) {
        if (e.fatal) throw;
        if (nonce_) return fail(ws::CloseCode::PolicyViolation, "authenticate first");
        return send_text(web::error(std::nullopt, "bad_request", e.what()));
    }
    if (nonce_ && !std::holds_alternative<web::Auth>(message))
        return fail(ws::CloseCode::PolicyViolation, "authenticate first");
    std::visit(
        [this](const auto& m) {
            using T = std::decay_t<decltype(m)>;
            if constexpr (std::is_same_v<T, web::Auth>) on_auth(m);
            if constexpr (std::is_same_v<T, web::StartUpload>) send_text(uploads_.start(m));
            if constexpr (std::is_same_v<T, web::FinishUpload>) on_finish_upload(m);
            if constexpr (std::is_same_v<T, web::CancelUpload>) send_text(uploads_.cancel(m));
            if constexpr (std::is_same_v<T, web::RequestDownload>) on_request_download(m);
            if constexpr (std::is_same_v<T, web::RequestChunk>) on_request_chunk(m);
            if constexpr (std::is_same_v<T, web::EndDownload>) on_end_download(m);
        },
        message);
}

void WebSession::on_auth(const web::Auth& m) {
    if (!nonce_) return send_text(web::error(std::nullopt, "bad_request", "no key is needed"));
    auto key = transfers_.settings().secret_key();
    const bool matches =
        key && proto::proofs_match(proto::auth_proof(key->bytes(), *nonce_), m.proof);
    if (!matches) {
        spdlog::warn("web {}: authentication failed: the key does not match", peer_);
        return fail(ws::CloseCode::PolicyViolation, "wrong key");
    }
    nonce_.reset();
    send_text(web::authenticated(proto::web_token(key->bytes())));
}

// ---- upload chunks ------------------------------------------------------------------

void WebSession::write(const WebUploads::Write& w) {
    writing_ = true;
    write_ = w;
    io_uring_prep_write(prepare(Op::FileWrite), w.file, w.bytes.data(),
                        static_cast<unsigned>(w.bytes.size()), w.offset);
}

void WebSession::on_file_write(int res) {
    writing_ = false;
    if (closing_handshake_) return;
    auto next = uploads_.written(write_, res);
    if (auto* rest = std::get_if<WebUploads::Write>(&next)) return write(*rest);
    if (auto* answer = std::get_if<std::string>(&next)) send_text(*answer);
    // The frame whose piece this was may have ended with it.
    process();
}

void WebSession::on_chunk_sync(int res) {
    auto failed = chunk_syncer_.on_complete(res);
    if (closing_handshake_ || !failed) return;
    if (auto answer = uploads_.sync_failed(*failed->transfer, failed->error)) send_text(*answer);
}

// ---- finishing uploads ----------------------------------------------------------------

void WebSession::on_finish_upload(const web::FinishUpload& m) {
    if (std::any_of(finishing_.begin(), finishing_.end(),
                    [&](const WebUploads::Finishing& f) { return f.id == m.id; }))
        return send_text(web::error(m.id, "bad_request", "the upload is being finished already"));
    auto started = uploads_.finish(m);
    if (auto* answer = std::get_if<std::string>(&started)) return send_text(*answer);
    finishing_.push_back(std::move(std::get<WebUploads::Finishing>(started)));
    if (finishing_.size() == 1) finish_step();
}

void WebSession::finish_step() {
    while (!finishing_.empty()) {
        if (int fd = finishing_.front().commit.pending_sync(); fd >= 0)
            return commit_sync_.start({fd}, false);
        send_text(uploads_.finished(finishing_.front()));
        finishing_.pop_front();
    }
}

void WebSession::on_commit_sync(int res) {
    if (closing_handshake_) return;
    try {
        finishing_.front().commit.synced(*commit_sync_.on_complete(res));
    } catch (const Refusal& r) {
        send_text(uploads_.finish_failed(finishing_.front(), r));
        finishing_.pop_front();
    }
    finish_step();
}

// ---- downloads ----------------------------------------------------------------------

void WebSession::on_request_download(const web::RequestDownload& m) {
    if (downloads_.size() >= kMaxDownloads)
        return send_text(web::error(std::nullopt, "busy",
                                    "at most " + std::to_string(kMaxDownloads) +
                                        " downloads may be open on a connection"));
    auto file = open_received_file(transfers_.storage().dir(), m.name);
    if (!file) return send_text(web::error(std::nullopt, "not_found", "no such file: " + m.name));
    web::Id id{};
    random_bytes(id);
    Download d;
    d.size = static_cast<uint64_t>(file->st.st_size);
    d.chunk_size = m.chunk_size;
    d.name = m.name;
    d.file = std::move(file->fd);
    const int64_t mtime_ms =
        static_cast<int64_t>(file->st.st_mtim.tv_sec) * 1000 + file->st.st_mtim.tv_nsec / 1'000'000;
    send_text(web::download_ready(id, d.name, d.size, mtime_ms, d.chunk_size));
    spdlog::debug("web {}: download of {} ({})", peer_, d.name, proto::format_size(d.size));
    downloads_.emplace(id, std::move(d));
}

void WebSession::on_request_chunk(const web::RequestChunk& m) {
    auto it = downloads_.find(m.id);
    if (it == downloads_.end())
        return send_text(web::error(m.id, "unknown_id", "no such download on this connection"));
    const auto& d = it->second;
    // An empty file is one empty chunk, so that it downloads like any other.
    const uint64_t chunks = std::max<uint64_t>(1, (d.size + d.chunk_size - 1) / d.chunk_size);
    if (m.index >= chunks) return send_text(web::error(m.id, "bad_request", "no such chunk"));
    chunk_requests_.push_back(m);
    if (!chunk_pending_ && !chunk_sending_) next_download_chunk();
}

void WebSession::on_end_download(const web::EndDownload& m) {
    downloads_.erase(m.id);
}

void WebSession::next_download_chunk() {
    while (!chunk_requests_.empty() && !closing_handshake_) {
        auto request = chunk_requests_.front();
        chunk_requests_.pop_front();
        auto it = downloads_.find(request.id);
        if (it == downloads_.end()) continue; // ended meanwhile
        const auto& d = it->second;
        const uint64_t offset = request.index * d.chunk_size;
        const uint64_t length = std::min<uint64_t>(d.chunk_size, d.size - offset);
        uint32_t digest = proto::xxh32({});
        try {
            // Read once here for the digest; the page cache then serves the splice.
            if (length > 0)
                digest = proto::xxh32(MappedRegion(d.file.get(), offset, length).bytes());
        } catch (const std::system_error& e) {
            send_text(web::error(request.id, "io_error",
                                 std::string("cannot read the file: ") + e.what()));
            downloads_.erase(it);
            continue;
        }
        ws::FrameHeader h;
        h.opcode = ws::Opcode::Binary;
        h.payload_length = web::kChunkHeaderSize + length;
        auto head = ws::encode_header(h);
        std::vector<uint8_t> out(head.view().begin(), head.view().end());
        auto chunk = web::encode_chunk_header({request.id, request.index, digest});
        out.insert(out.end(), chunk.begin(), chunk.end());
        chunk_pending_ = length > 0;
        if (chunk_pending_) {
            body_offset_ = offset;
            body_length_ = length;
            body_file_ = d.file.get();
        }
        send_bytes(out, chunk_pending_ ? MSG_MORE : 0);
        if (chunk_pending_) return;
    }
}

void WebSession::on_file_read(int res) {
    if (body_.on_file_read(res) == Step::Failed) {
        spdlog::info("web {}: {}", peer_, body_.failure());
        close();
    }
}

void WebSession::on_pause(int res) {
    body_.on_pause(res);
}

void WebSession::on_socket_write(int res) {
    auto step = body_.on_socket_write(res);
    if (step == Step::Failed) {
        spdlog::info("web {}: {}", peer_, body_.failure());
        return close();
    }
    if (step == Step::Done) {
        chunk_sending_ = false;
        for (auto& frame : std::exchange(held_, {}))
            send_frame_bytes(std::move(frame));
        next_download_chunk();
    }
}

// ---- sending ------------------------------------------------------------------------

void WebSession::send_text(const std::string& text) {
    std::vector<uint8_t> out;
    ws::encode_text(text, out);
    send_frame_bytes(std::move(out));
}

void WebSession::send_frame_bytes(std::vector<uint8_t> frame) {
    if (closing_handshake_) return;
    if (chunk_pending_ || chunk_sending_) {
        held_.push_back(std::move(frame));
        return;
    }
    send_bytes(frame);
}

void WebSession::on_send(int res) {
    if (res < 0) {
        spdlog::info("web {}: connection lost: {}", peer_, std::strerror(-res));
        return close();
    }
    if (!sent(res)) return;
    if (closing_handshake_) return linger();
    if (std::exchange(chunk_pending_, false)) {
        chunk_sending_ = true;
        body_.start(body_file_, body_offset_, body_length_);
    }
}

// ---- the end ------------------------------------------------------------------------

void WebSession::fail(ws::CloseCode code, std::string_view why) {
    spdlog::info("web {}: closing with {}: {}", peer_, static_cast<int>(code), why);
    close_with(static_cast<uint16_t>(code), why);
}

void WebSession::close_with(uint16_t code, std::string_view why) {
    if (closing_handshake_) return;
    held_.clear();
    std::vector<uint8_t> out;
    ws::encode_close(code, why, out);
    if (chunk_sending_ || chunk_pending_) {
        // The close cannot go inside a chunk's frame; the connection just ends.
        closing_handshake_ = true;
        return close();
    }
    send_bytes(out);
    closing_handshake_ = true;
}

bool WebSession::carries(uint32_t id) const {
    return uploads_.carries(id);
}

void WebSession::cancel() {
    // A transfer of this session was canceled elsewhere (streamctl cancel).
    for (const auto& answer : uploads_.ended_elsewhere())
        send_text(answer);
}

void WebSession::check_time(Clock::time_point now) {
    const Config::Limits limits = transfers_.settings().limits();
    if (closing_handshake_ || limits.idle_timeout == 0) return;
    for (const auto& answer : uploads_.fail_stalled(now, limits.idle_timeout))
        send_text(answer);
    const auto idle = now - received_at_;
    if (idle >= std::chrono::seconds(limits.idle_timeout)) {
        spdlog::info("web {}: nothing arrived for {} s", peer_, limits.idle_timeout);
        return close_with(static_cast<uint16_t>(ws::CloseCode::GoingAway), "idle");
    }
    if (!pinged_ && idle >= std::chrono::seconds(limits.idle_timeout) / 2) {
        pinged_ = true;
        std::vector<uint8_t> out;
        ws::encode_ping({}, out);
        send_frame_bytes(std::move(out));
    }
}

} // namespace streamd

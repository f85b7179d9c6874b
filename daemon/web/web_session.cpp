#include "web/web_session.hpp"

#include "engine/mapped_region.hpp"
#include "engine/random_bytes.hpp"
#include "engine/worker.hpp"
#include "file_name.hpp"
#include "size_units.hpp"
#include "storage/received_files.hpp"
#include "transfer/transfer_log.hpp"

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

// The web error code for a refusal of the storage or the transfer.
std::string_view code_of(proto::ErrorCode code) {
    switch (code) {
    case proto::ErrorCode::BadName:
        return "name_invalid";
    case proto::ErrorCode::TooLarge:
        return "too_large";
    case proto::ErrorCode::Exists:
        return "file_exists";
    case proto::ErrorCode::Busy:
        return "busy";
    case proto::ErrorCode::DigestMismatch:
        return "digest_mismatch";
    case proto::ErrorCode::UnknownTransfer:
        return "unknown_id";
    case proto::ErrorCode::IoError:
        return "io_error";
    default:
        return "bad_request";
    }
}

} // namespace

WebSession::WebSession(Worker& worker, Transfers& transfers, UniqueFd fd, std::string peer,
                       Admission admission, bool needs_key, std::string response,
                       std::span<const uint8_t> received)
    : Connection(worker, std::move(fd)), transfers_(transfers), peer_(std::move(peer)),
      admission_(std::move(admission)), response_(std::move(response)),
      in_(std::max(kReceiveBuffer, received.size())), assembler_(web::kMaxTextMessage) {
    rules_.max_payload = web::kMaxBinaryMessage;
    std::copy(received.begin(), received.end(), in_.begin());
    have_ = received.size();
    if (needs_key) {
        nonce_.emplace();
        random_bytes(*nonce_);
    }
}

WebSession::~WebSession() {
    for (auto& [id, upload] : uploads_)
        transfers_.stream_left(*upload.transfer, peer_);
}

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
    io_uring_prep_recv(prepare(Op::Recv), fd_.get(), in_.data() + have_, in_.size() - have_, 0);
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
            if (frame_binary_)
                on_binary(piece);
            else
                payload_.insert(payload_.end(), piece.begin(), piece.end());
            if (frame_left_ == 0 && !writing_) end_frame();
        }
    } catch (const web::MessageError& e) {
        // Not a JSON object: not a client of this protocol.
        fail(ws::CloseCode::UnsupportedData, e.what());
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
        if (h.opcode == ws::Opcode::Binary) {
            bin_.header_have = 0;
            bin_.size = 0;
            bin_.upload = nullptr;
            bin_.claimed = false;
            bin_.answer.reset();
            bin_.got = 0;
            bin_.length = 0;
        }
        if (h.payload_length > web::kMaxBinaryMessage - bin_.size) {
            fail(ws::CloseCode::MessageTooBig, "a binary message is larger than a chunk allows");
            return false;
        }
        bin_.size += h.payload_length;
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
        if (h.fin) end_binary();
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
            if constexpr (std::is_same_v<T, web::StartUpload>) on_start_upload(m);
            if constexpr (std::is_same_v<T, web::FinishUpload>) on_finish_upload(m);
            if constexpr (std::is_same_v<T, web::CancelUpload>) on_cancel_upload(m);
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

void WebSession::on_start_upload(const web::StartUpload& m) {
    proto::Offer offer;
    if (m.id) {
        offer.id = *m.id;
        if (uploads_.contains(offer.id))
            return send_text(
                web::error(offer.id, "bad_request", "this upload is going on already"));
    } else {
        random_bytes(offer.id);
    }
    offer.stream_count = 1;
    offer.chunk_size = m.chunk_size;
    offer.size = m.size;
    offer.mode = 0644;
    if (m.mtime_ms) {
        offer.mtime_sec = *m.mtime_ms / 1000;
        int64_t ms = *m.mtime_ms % 1000;
        if (ms < 0) {
            ms += 1000;
            offer.mtime_sec -= 1;
        }
        offer.mtime_nsec = static_cast<uint32_t>(ms * 1'000'000);
    } else {
        // Not the time now: a resume later must describe the same file.
        offer.mtime_sec = proto::kMtimeUnknown;
    }
    offer.digest = m.digest == web::ChunkDigest::Xxh32 ? proto::DigestAlgorithm::Xxh32
                                                       : proto::DigestAlgorithm::None;
    offer.name = m.name;
    if (auto problem = proto::name_problem(offer.name))
        return send_text(web::error(offer.id, "name_invalid", *problem));
    if (offer.chunk_count() > kMaxChunks)
        return send_text(web::error(offer.id, "too_large", "the file has too many chunks"));
    std::shared_ptr<IncomingTransfer> t;
    try {
        t = transfers_.accept_offer(offer, peer_ + " (browser)");
    } catch (const Refusal& r) {
        spdlog::info("web {}: upload of {} refused: {}", peer_, offer.name, r.message);
        return send_text(web::error(offer.id, code_of(r.code), r.message));
    }
    uploads_[offer.id] = Upload{t};
    send_text(web::upload_ready(offer.id, offer.name, t->missing()));
}

void WebSession::on_finish_upload(const web::FinishUpload& m) {
    auto it = uploads_.find(m.id);
    if (it == uploads_.end())
        return send_text(web::error(m.id, "unknown_id", "no such upload on this connection"));
    auto t = it->second.transfer;
    if (!t->all_chunks_done())
        return send_text(web::error(m.id, "bad_request", "chunks are missing still"));
    try {
        std::string stored = t->commit(m.digest.value_or(proto::FileDigest{}));
        t->succeed(stored);
        log_transfer(spdlog::level::info, *t, "received {} ({}) from {}, stored as {}", t->name(),
                     proto::format_size(t->size()), peer_, stored);
        forget_upload(m.id);
        std::optional<proto::FileDigest> digest;
        if (t->offer().digest != proto::DigestAlgorithm::None) digest = m.digest;
        send_text(web::upload_complete(m.id, stored, t->size(), digest));
    } catch (const Refusal& r) {
        upload_failed(m.id, code_of(r.code), r.message);
    }
}

void WebSession::on_cancel_upload(const web::CancelUpload& m) {
    auto it = uploads_.find(m.id);
    if (it == uploads_.end())
        return send_text(web::error(m.id, "unknown_id", "no such upload on this connection"));
    auto t = it->second.transfer;
    if (t->cancel("canceled in the browser")) {
        log_transfer(spdlog::level::info, *t, "receiving {} from {} canceled in the browser",
                     t->name(), peer_);
        transfers_.close_transfer(t->id());
    }
    t->discard();
    forget_upload(m.id);
    send_text(web::upload_canceled(m.id));
}

void WebSession::upload_failed(const web::Id& id, std::string_view code, const std::string& why) {
    auto it = uploads_.find(id);
    if (it != uploads_.end()) {
        transfers_.fail_incoming(*it->second.transfer, peer_, why);
        forget_upload(id);
    }
    send_text(web::error(id, code, why));
}

void WebSession::forget_upload(const web::Id& id) {
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return;
    transfers_.registry().forget_incoming(id);
    it->second.transfer->detach_stream();
    if (bin_.upload == &it->second) bin_.upload = nullptr;
    uploads_.erase(it);
}

// ---- upload chunks ------------------------------------------------------------------

void WebSession::on_binary(std::span<uint8_t> piece) {
    if (bin_.header_have < bin_.header.size()) {
        const size_t n = std::min(piece.size(), bin_.header.size() - bin_.header_have);
        std::copy_n(piece.begin(), n,
                    bin_.header.begin() + static_cast<ptrdiff_t>(bin_.header_have));
        bin_.header_have += n;
        piece = piece.subspan(n);
        if (bin_.header_have < bin_.header.size()) return;
        chunk_header_complete();
    }
    if (piece.empty()) return;
    if (bin_.got + piece.size() > bin_.length && bin_.upload)
        return fail(ws::CloseCode::UnsupportedData,
                    "a chunk message carries more data than its chunk");
    bin_.got += piece.size();
    chunk_data_at_ = Clock::now();
    if (!bin_.upload || !bin_.claimed) return; // dropped
    if (bin_.upload->transfer->offer().digest != proto::DigestAlgorithm::None)
        bin_.hasher.update(piece);
    write_at_ = bin_.offset + bin_.got - piece.size();
    write_piece(piece);
}

void WebSession::chunk_header_complete() {
    bin_.chunk = web::decode_chunk_header(bin_.header);
    auto it = uploads_.find(bin_.chunk.id);
    if (it == uploads_.end()) {
        bin_.answer = web::error(bin_.chunk.id, "unknown_id", "no such upload on this connection");
        return;
    }
    const auto& offer = it->second.transfer->offer();
    if (bin_.chunk.index >= offer.chunk_count()) {
        bin_.answer = web::chunk_rejected(bin_.chunk.id, bin_.chunk.index, "no such chunk");
        return;
    }
    bin_.upload = &it->second;
    bin_.offset = bin_.chunk.index * offer.chunk_size;
    bin_.length = std::min<uint64_t>(offer.chunk_size, offer.size - bin_.offset);
    bin_.hasher.reset();
    bin_.claimed = it->second.transfer->claim_chunk(bin_.chunk.index);
    if (!bin_.claimed)
        bin_.answer = it->second.transfer->has_chunk(bin_.chunk.index)
                          ? web::chunk_received(bin_.chunk.id, bin_.chunk.index)
                          : web::chunk_rejected(bin_.chunk.id, bin_.chunk.index,
                                                "the chunk is being written already");
}

void WebSession::write_piece(std::span<const uint8_t> piece) {
    writing_ = true;
    write_left_ = piece;
    io_uring_prep_write(prepare(Op::FileWrite), bin_.upload->transfer->file(), write_left_.data(),
                        static_cast<unsigned>(write_left_.size()), write_at_);
}

void WebSession::on_file_write(int res) {
    if (res > 0 && static_cast<size_t>(res) < write_left_.size() && bin_.upload &&
        !closing_handshake_) {
        write_left_ = write_left_.subspan(static_cast<size_t>(res));
        write_at_ += static_cast<uint64_t>(res);
        io_uring_prep_write(prepare(Op::FileWrite), bin_.upload->transfer->file(),
                            write_left_.data(), static_cast<unsigned>(write_left_.size()),
                            write_at_);
        return;
    }
    writing_ = false;
    if (closing_handshake_) return;
    if (res <= 0 && bin_.upload) {
        bin_.upload->transfer->release_chunk(bin_.chunk.index);
        bin_.claimed = false;
        bin_.answer.reset();
        upload_failed(bin_.chunk.id, res == -ENOSPC || res == -EDQUOT ? "no_space" : "io_error",
                      std::string("cannot write the file: ") +
                          (res == 0 ? "no progress" : std::strerror(-res)));
    }
    if (frame_ && frame_left_ == 0) end_frame();
    process();
}

void WebSession::end_binary() {
    if (bin_.header_have < bin_.header.size())
        return fail(ws::CloseCode::UnsupportedData, "a binary message shorter than a chunk header");
    if (bin_.upload && bin_.got != bin_.length) {
        if (bin_.claimed) bin_.upload->transfer->release_chunk(bin_.chunk.index);
        bin_.claimed = false;
        return fail(ws::CloseCode::UnsupportedData,
                    "a chunk message carries less data than its chunk");
    }
    if (bin_.answer) return send_text(*std::exchange(bin_.answer, std::nullopt));
    if (!bin_.upload) return; // ended while the data came
    auto& t = *bin_.upload->transfer;
    std::optional<uint64_t> found;
    if (t.offer().digest != proto::DigestAlgorithm::None) found = bin_.hasher.digest();
    bin_.claimed = false;
    if (!t.chunk_written(bin_.chunk.index, bin_.chunk.digest, found, bin_.length))
        return send_text(web::chunk_rejected(bin_.chunk.id, bin_.chunk.index, "digest mismatch"));
    send_text(web::chunk_received(bin_.chunk.id, bin_.chunk.index));
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
    return std::any_of(uploads_.begin(), uploads_.end(),
                       [id](const auto& u) { return u.second.transfer->id() == id; });
}

void WebSession::cancel() {
    // A transfer of this session was canceled elsewhere (streamctl cancel).
    std::vector<web::Id> ended;
    for (auto& [id, upload] : uploads_)
        if (upload.transfer->finished()) ended.push_back(id);
    for (const auto& id : ended) {
        auto t = uploads_[id].transfer;
        std::string why = t->error();
        forget_upload(id);
        send_text(web::error(id, "canceled", why.empty() ? "canceled" : why));
    }
}

void WebSession::check_time(Clock::time_point now) {
    const Config::Limits limits = transfers_.settings().limits();
    if (closing_handshake_ || limits.idle_timeout == 0) return;
    // An upload that no data comes for holds its place among [limits] max_incoming; it
    // ends, and its partial file waits for a resume.
    std::vector<web::Id> stalled;
    for (auto& [id, upload] : uploads_)
        if (upload.transfer->stalled(now, chunk_data_at_, limits.idle_timeout))
            stalled.push_back(id);
    for (const auto& id : stalled)
        upload_failed(id, "stalled",
                      "nothing arrived for " + std::to_string(limits.idle_timeout) + " s");
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

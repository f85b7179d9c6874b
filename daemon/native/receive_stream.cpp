#include "native/receive_stream.hpp"

#include "daemon.hpp"
#include "digest.hpp"
#include "web/http_connection.hpp"
#include "engine/random_bytes.hpp"
#include "size_units.hpp"
#include "transfer/transfer_log.hpp"
#include "engine/worker.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/uio.h>
#include <unistd.h>
#include <utility>

namespace streamd {

namespace {
constexpr size_t kCopyBuffer = 256 * 1024;
// How long a stream that said ERROR waits for the peer to close before it closes anyway.
constexpr std::chrono::seconds kLingerTimeout{5};

constexpr std::string_view kHttpReply = "HTTP/1.1 501 Not Implemented\r\n"
                                        "Content-Type: text/plain; charset=utf-8\r\n"
                                        "Content-Length: 40\r\n"
                                        "Connection: close\r\n"
                                        "\r\n"
                                        "streamd serves no web pages on this port\n";
bool canceled_here(const TransferRegistry& registry, const proto::TransferId& id) {
    for (const auto& t : registry.all())
        if (t->direction() == Direction::In && t->state() == TransferState::Canceled &&
            static_cast<const IncomingTransfer&>(*t).offer().id == id)
            return true;
    return false;
}

} // namespace

ReceiveStream::ReceiveStream(Worker& worker, UniqueFd fd, std::string peer, Admission admission,
                             bool peer_on_loopback)
    : Connection(worker, std::move(fd)), peer_(std::move(peer)), admission_(std::move(admission)),
      peer_on_loopback_(peer_on_loopback) {}

ReceiveStream::~ReceiveStream() {
    worker_.pipes().release(std::move(pipe_));
    worker_.pipes().release(std::move(tee_pipe_));
    if (transfer_ && transfer_->detach_stream()) {
        worker_.daemon().registry().forget_incoming(transfer_->offer().id);
        log_transfer(spdlog::level::warn, *transfer_, "receiving {} from {} failed: {}",
                     transfer_->name(), peer_, transfer_->error());
    }
}

void ReceiveStream::start() {
    read_exact(Reading::Preamble, proto::kPreambleSize);
}

// ---- control frames -------------------------------------------------------------

void ReceiveStream::read_exact(Reading what, size_t n) {
    reading_ = what;
    want_ = n;
    have_ = 0;
    if (n == 0) return on_recv(0);
    io_uring_prep_recv(prepare(Op::Recv), fd_.get(), in_.data(), n, MSG_WAITALL);
}

void ReceiveStream::on_recv(int res) {
    if (lingering_) {
        // Read and dropped until the peer closes, so that the close sends no reset that
        // could overtake the ERROR on its way.
        if (res <= 0) return close();
        io_uring_prep_recv(prepare(Op::Recv), fd_.get(), in_.data(), in_.size(), 0);
        return;
    }
    if (close_after_send_) return; // refused: nothing more the peer says matters
    if (res < 0) return abandon(std::string("connection lost: ") + std::strerror(-res));
    if (res == 0 && have_ < want_) {
        if (reading_ != Reading::Body && have_ == 0)
            return close(); // end of stream between frames: the sender is done with it
        return abandon("connection closed by the peer in the middle of a frame");
    }
    have_ += static_cast<size_t>(res);
    if (have_ < want_) {
        io_uring_prep_recv(prepare(Op::Recv), fd_.get(), in_.data() + have_, want_ - have_,
                           MSG_WAITALL);
        return;
    }
    try {
        switch (reading_) {
        case Reading::Preamble:
            return on_preamble();
        case Reading::Header:
            header_ = proto::decode_header(
                std::span<const uint8_t, proto::kHeaderSize>(in_.data(), proto::kHeaderSize));
            return read_exact(Reading::Body, header_.length);
        case Reading::Body:
            return on_frame({in_.data(), header_.length});
        }
    } catch (const proto::FrameError& e) {
        refuse(proto::ErrorCode::BadFrame, e.what());
    } catch (const Refusal& r) {
        refuse(r.code, r.message);
    } catch (const std::exception& e) {
        refuse(proto::ErrorCode::Internal, std::string("internal error: ") + e.what());
    }
}

void ReceiveStream::on_preamble() {
    if (!proto::has_magic({in_.data(), proto::kPreambleSize})) {
        // Not ours; probably a browser. Every HTTP method is an upper-case token.
        if (std::isupper(in_[0])) {
            if (worker_.daemon().web_enabled()) return hand_over_to_http();
            // Answered rather than hung up on, so that the browser shows why.
            close_after_send_ = true;
            return send_bytes(
                {reinterpret_cast<const uint8_t*>(kHttpReply.data()), kHttpReply.size()});
        }
        return close();
    }
    uint16_t version = proto::decode_preamble(
        std::span<const uint8_t, proto::kPreambleSize>(in_.data(), proto::kPreambleSize));
    if (version != proto::kVersion)
        return refuse(proto::ErrorCode::UnsupportedVersion,
                      "protocol version " + std::to_string(version) + " is not supported (this " +
                          "daemon speaks version " + std::to_string(proto::kVersion) + ")");
    auto key = worker_.daemon().secret_key();
    if (!key && !peer_on_loopback_)
        return refuse(proto::ErrorCode::AuthRequired,
                      "this daemon has no key and accepts only loopback peers; to accept others, "
                      "set [auth] secret_file on it");
    proto::Welcome welcome;
    // A fresh nonce on every connection: a proof seen on one is worthless on the next.
    random_bytes(welcome.nonce);
    if (key) {
        welcome.auth_method = proto::kAuthHmacSha256;
        expected_proof_ = proto::auth_proof(key->bytes(), welcome.nonce);
    }
    send_frame(welcome);
    read_exact(Reading::Header, proto::kHeaderSize);
}

void ReceiveStream::hand_over_to_http() {
    std::span<const uint8_t> received(in_.data(), proto::kPreambleSize);
    auto http = std::make_unique<HttpConnection>(worker_, give_up_socket(), std::move(peer_),
                                                 std::move(admission_), peer_on_loopback_,
                                                 started_at_, received);
    worker_.adopt(std::move(http));
}

void ReceiveStream::on_auth(std::span<const uint8_t> body) {
    if (!expected_proof_)
        return refuse(proto::ErrorCode::BadFrame,
                      "unexpected AUTH frame: no authentication is pending on this connection");
    auto auth = proto::decode_auth(body);
    bool matches = proto::proofs_match(*expected_proof_, auth.proof);
    expected_proof_.reset();
    if (!matches) {
        // A warning rather than refuse()'s note: a wrong key is a misconfigured peer or
        // someone guessing, and either deserves the operator's attention.
        spdlog::warn("refused {}: authentication failed: its key does not match ours", peer_);
        send_frame(proto::Error{proto::ErrorCode::AuthRequired,
                                "authentication failed: the key does not match"});
        close_after_send_ = true;
        return;
    }
    read_exact(Reading::Header, proto::kHeaderSize);
}

void ReceiveStream::on_frame(std::span<const uint8_t> body) {
    using proto::FrameType;
    if (header_.type == FrameType::Auth) return on_auth(body);
    if (expected_proof_)
        return refuse(proto::ErrorCode::AuthRequired,
                      "authentication required: this daemon accepts only peers that know its key");
    switch (header_.type) {
    case FrameType::Offer:
        return on_offer(body);
    case FrameType::Join:
        return on_join(body);
    case FrameType::Chunk:
        return on_chunk(body);
    case FrameType::Finish:
        return on_finish(body);
    case FrameType::Cancel:
        return on_cancel(body);
    case FrameType::Error: {
        auto e = proto::decode_error(body);
        if (transfer_) {
            transfer_->fail("the sender gave up: " + e.message);
            transfer_->discard();
        }
        return abandon("the sender gave up: " + e.message);
    }
    default:
        return refuse(proto::ErrorCode::BadFrame, std::string("unexpected ") +
                                                      proto::to_string(header_.type) +
                                                      " frame from a sender");
    }
}

void ReceiveStream::on_offer(std::span<const uint8_t> body) {
    if (transfer_)
        return refuse(proto::ErrorCode::BadFrame, "OFFER on a stream that carries a transfer");
    auto offer = proto::decode_offer(body);
    if (offer.digest == proto::DigestAlgorithm::Xxh32)
        return refuse(proto::ErrorCode::BadFrame, "digest algorithm 2 is for browsers only");
    auto& daemon = worker_.daemon();
    // A sender that missed the ERROR CANCELED (a middlebox dropped it) would otherwise
    // take its reconnect for a resume.
    if (canceled_here(daemon.registry(), offer.id))
        return refuse(proto::ErrorCode::Canceled, "the transfer was canceled at the receiver");
    transfer_ = daemon.accept_offer(offer, peer_);
    send_frame(proto::Accept{offer.id, transfer_->missing()});
    read_exact(Reading::Header, proto::kHeaderSize);
}

void ReceiveStream::on_cancel(std::span<const uint8_t> body) {
    if (transfer_)
        return refuse(proto::ErrorCode::BadFrame, "CANCEL on a stream that carries a transfer");
    auto id = proto::decode_cancel(body).id;
    auto& daemon = worker_.daemon();
    if (auto t = daemon.registry().find_incoming(id)) {
        daemon.registry().forget_incoming(id);
        if (t->cancel("canceled at the sender")) {
            log_transfer(spdlog::level::info, *t, "receiving {} from {} canceled at the sender",
                         t->name(), peer_);
            daemon.close_transfer(t->id());
        }
    }
    // Whether it still runs or already failed as its streams were reset, its partial
    // file has no future.
    daemon.storage().doom(id);
    close();
}

void ReceiveStream::on_join(std::span<const uint8_t> body) {
    if (transfer_)
        return refuse(proto::ErrorCode::BadFrame, "JOIN on a stream that carries a transfer");
    auto join = proto::decode_join(body);
    auto t = worker_.daemon().registry().find_incoming(join.id);
    if (!t || t->finished() || join.index == 0 || join.count != t->offer().stream_count)
        return refuse(proto::ErrorCode::UnknownTransfer,
                      "no running transfer " + proto::to_hex(join.id) + " with " +
                          std::to_string(join.count) + " streams");
    t->attach_stream();
    transfer_ = std::move(t);
    send_frame(proto::Accept{join.id, {}});
    read_exact(Reading::Header, proto::kHeaderSize);
}

void ReceiveStream::on_chunk(std::span<const uint8_t> body) {
    if (!transfer_) return refuse(proto::ErrorCode::BadFrame, "CHUNK before OFFER or JOIN");
    chunk_ = proto::decode_chunk(body);
    const auto& offer = transfer_->offer();
    proto::check_chunk(chunk_, offer);
    if (!transfer_->claim_chunk(chunk_.offset / offer.chunk_size))
        return refuse(proto::ErrorCode::BadFrame, "chunk at offset " +
                                                      std::to_string(chunk_.offset) +
                                                      " is already received or in progress");
    if (chunk_.hole()) return chunk_arrived();
    chunk_left_ = chunk_.length;
    write_at_ = chunk_.offset;
    hasher_.reset();
    buffered_ = 0;
    if (worker_.daemon().use_splice() && !pipe_ && !copy_buffer_) {
        pipe_ = worker_.pipes().acquire();
        if (pipe_ && verifying()) {
            tee_pipe_ = worker_.pipes().acquire();
            if (!tee_pipe_) worker_.pipes().release(std::move(pipe_));
        }
    }
    if (!pipe_ && !copy_buffer_) copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
    data_in();
}

void ReceiveStream::on_finish(std::span<const uint8_t> body) {
    if (!transfer_) return refuse(proto::ErrorCode::BadFrame, "FINISH before OFFER or JOIN");
    auto finish = proto::decode_finish(body);
    std::string stored = transfer_->commit(finish.digest);
    transfer_->succeed(stored);
    worker_.daemon().registry().forget_incoming(transfer_->offer().id);
    log_transfer(spdlog::level::info, *transfer_, "received {} ({}) from {}, stored as {}",
                 transfer_->name(), proto::format_size(transfer_->size()), peer_, stored);
    send_frame(proto::Done{stored});
    read_exact(Reading::Header, proto::kHeaderSize);
}

// ---- chunk data -------------------------------------------------------------------

void ReceiveStream::data_in() {
    if (!pipe_) {
        auto n = std::min<uint64_t>(chunk_left_, kCopyBuffer);
        io_uring_prep_recv(prepare(Op::DataIn), fd_.get(), copy_buffer_.get(), n, 0);
        return;
    }
    // Only ever into an empty pipe: a pipe's capacity counts page slots, and socket
    // data may fill them with smaller pieces, so a second splice into a partly filled
    // pipe can block on a full one, where closing the socket cannot wake it.
    auto n = static_cast<unsigned>(std::min<uint64_t>(chunk_left_, pipe_->capacity));
    // The kernel runs every splice on one of its worker threads. Linked, that thread
    // reads, tees and writes in one go instead of returning here in between. The tee
    // and the write do not block: they take what the read brought (nothing, if it
    // failed) and never wait for more.
    worker_.ring().reserve(3);
    io_uring_sqe* in = prepare(Op::DataIn);
    io_uring_prep_splice(in, fd_.get(), -1, pipe_->write_end.get(), -1, n, SPLICE_F_MOVE);
    in->flags |= IOSQE_IO_HARDLINK;
    if (tee_pipe_) {
        io_uring_sqe* tee = prepare(Op::Tee);
        io_uring_prep_tee(tee, pipe_->read_end.get(), tee_pipe_->write_end.get(), n,
                          SPLICE_F_NONBLOCK);
        tee->flags |= IOSQE_IO_HARDLINK;
    }
    io_uring_prep_splice(prepare(Op::DataOut), pipe_->read_end.get(), -1, transfer_->file(),
                         static_cast<int64_t>(write_at_), n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    linked_out_ = true;
}

void ReceiveStream::on_data_in(int res) {
    if (close_after_send_) return;
    if (res <= 0 && linked_out_) {
        in_failure_ = res == 0 ? -ECONNRESET : res;
        return; // the linked write comes back empty-handed; decide then
    }
    received(res);
}

void ReceiveStream::received(int res) {
    if (res < 0 && pipe_ && fall_back_to_copy(res, "socket to pipe")) return data_in();
    if (res < 0) return abandon(std::string("connection lost: ") + std::strerror(-res));
    if (res == 0) return abandon("connection closed by the peer in the middle of a chunk");
    chunk_left_ -= static_cast<uint64_t>(res);
    buffered_ = static_cast<uint64_t>(res);
    buffer_pos_ = 0;
    if (linked_out_) return;
    if (verifying()) hasher_.update({copy_buffer_.get(), buffered_});
    data_out();
}

void ReceiveStream::on_tee(int res) {
    // Short or failed, the digest of what was teed will not match, and the chunk is
    // asked for again.
    if (res > 0) teed_ += static_cast<uint64_t>(res);
}

void ReceiveStream::data_out() {
    int file = transfer_->file();
    if (pipe_) {
        io_uring_prep_splice(prepare(Op::DataOut), pipe_->read_end.get(), -1, file,
                             static_cast<int64_t>(write_at_), static_cast<unsigned>(buffered_),
                             SPLICE_F_MOVE);
    } else {
        io_uring_prep_write(prepare(Op::DataOut), file, copy_buffer_.get() + buffer_pos_,
                            static_cast<unsigned>(buffered_), write_at_);
    }
}

void ReceiveStream::on_data_out(int res) {
    if (close_after_send_) return;
    if (std::exchange(linked_out_, false)) {
        if (in_failure_ != 0) return received(std::exchange(in_failure_, 0));
        // Would have blocked (the file system took less than the pipe held): the
        // rest goes out unlinked, allowed to wait.
        if (res == -EAGAIN) return data_out();
    }
    if (res == -EINVAL && pipe_) {
        // The file system refuses splice: move what is in the pipe by hand, once.
        copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
        ssize_t n = ::read(pipe_->read_end.get(), copy_buffer_.get(), buffered_);
        if (n != static_cast<ssize_t>(buffered_))
            return refuse(proto::ErrorCode::IoError, "cannot drain pipe");
        // The tee, if there is one, already holds these bytes for the hash.
        bool teed = tee_pipe_ != nullptr;
        hash_teed();
        worker_.pipes().release(std::move(pipe_));
        worker_.pipes().release(std::move(tee_pipe_));
        teed_ = 0;
        worker_.daemon().note_copy_fallback("pipe to file");
        if (verifying() && !teed) hasher_.update({copy_buffer_.get(), buffered_});
        buffer_pos_ = 0;
        return data_out();
    }
    if (res <= 0) {
        std::string why = res == 0 ? "short write" : std::strerror(-res);
        log_transfer(spdlog::level::err, *transfer_, "cannot write {}: {}", transfer_->name(), why);
        return refuse(proto::ErrorCode::IoError, "cannot write the file: " + why);
    }
    write_at_ += static_cast<uint64_t>(res);
    buffered_ -= static_cast<uint64_t>(res);
    buffer_pos_ += static_cast<uint64_t>(res);
    if (buffered_ > 0) return data_out();
    hash_teed();
    if (chunk_left_ == 0) return chunk_arrived();
    data_in();
}

bool ReceiveStream::fall_back_to_copy(int res, const char* what) {
    if (res != -EINVAL || buffered_ != 0) return false;
    worker_.pipes().release(std::move(pipe_));
    worker_.pipes().release(std::move(tee_pipe_));
    teed_ = 0;
    copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
    worker_.daemon().note_copy_fallback(what);
    return true;
}

bool ReceiveStream::verifying() const {
    return transfer_->offer().digest == proto::DigestAlgorithm::Xxh3;
}

void ReceiveStream::hash_teed() {
    // In pieces that stay in the core's cache; the pipe holds no more than was teed,
    // and RWF_NOWAIT makes sure a miscount cannot block this thread.
    auto buffer = worker_.scratch();
    while (teed_ > 0) {
        iovec io{buffer.data(), std::min<uint64_t>(buffer.size(), teed_)};
        ssize_t n = ::preadv2(tee_pipe_->read_end.get(), &io, 1, -1, RWF_NOWAIT);
        if (n <= 0) break;
        hasher_.update(buffer.first(static_cast<size_t>(n)));
        teed_ -= static_cast<uint64_t>(n);
    }
}

void ReceiveStream::chunk_arrived() {
    // The next header, and every other stream's queued work, can travel while this
    // thread hashes.
    read_exact(Reading::Header, proto::kHeaderSize);
    bool ok = true;
    if (verifying()) {
        uint64_t actual = chunk_.hole() ? proto::zero_digest(chunk_.length) : hasher_.digest();
        ok = actual == chunk_.digest;
    }
    uint64_t index = chunk_.offset / transfer_->offer().chunk_size;
    if (ok) {
        transfer_->complete_chunk(index, chunk_.digest, chunk_.length);
    } else {
        log_transfer(spdlog::level::warn, *transfer_,
                     "chunk at offset {} failed verification, asking again", chunk_.offset);
        transfer_->release_chunk(index);
    }
    send_frame(
        proto::ChunkAck{chunk_.offset, ok ? proto::AckStatus::Ok : proto::AckStatus::BadDigest});
}

// ---- sending ----------------------------------------------------------------------

void ReceiveStream::on_send(int res) {
    if (res < 0) return abandon(std::string("connection lost: ") + std::strerror(-res));
    if (sent(res) && close_after_send_) linger();
}

void ReceiveStream::linger() {
    // Closing a socket with unread data resets the connection, and a reset can arrive (or
    // be passed on by a middlebox) before the ERROR. Half-close instead, and close once the
    // peer has read the ERROR and closed too (or after kLingerTimeout).
    lingering_ = true;
    lingering_since_ = Clock::now();
    ::shutdown(fd_.get(), SHUT_WR);
    io_uring_prep_recv(prepare(Op::Recv), fd_.get(), in_.data(), in_.size(), 0);
}

void ReceiveStream::refuse(proto::ErrorCode code, std::string message) {
    // A sender that breaks the protocol does not get its leftovers kept for a resume.
    if (transfer_ && code == proto::ErrorCode::BadFrame) transfer_->discard();
    if (transfer_ && transfer_->fail(message)) {
        log_transfer(spdlog::level::warn, *transfer_, "receiving {} from {} failed: {}",
                     transfer_->name(), peer_, message);
        worker_.daemon().registry().forget_incoming(transfer_->offer().id);
        worker_.daemon().close_transfer(transfer_->id());
    } else if (!transfer_) {
        spdlog::info("refused {}: {}", peer_, message);
    }
    send_frame(proto::Error{code, std::move(message)});
    close_after_send_ = true;
}

void ReceiveStream::cancel() {
    // A stream that is telling its peer why it ends finishes saying so first.
    if (close_after_send_) return;
    // Ended here (canceled, or failed on a sibling stream): the sender learns why on every
    // stream, rather than seeing some of them drop first.
    if (transfer_ && transfer_->finished() && transfer_->state() != TransferState::Done) {
        bool canceled = transfer_->state() == TransferState::Canceled;
        send_frame(proto::Error{canceled ? proto::ErrorCode::Canceled : proto::ErrorCode::Internal,
                                transfer_->error() + (canceled ? " at the receiver" : "")});
        close_after_send_ = true;
        return;
    }
    close();
}

void ReceiveStream::check_time(Clock::time_point now, const Config::Limits& limits) {
    if (lingering_ && now - lingering_since_ >= kLingerTimeout) return close();
    if (close_after_send_) return;
    if (!transfer_) {
        if (limits.handshake_timeout != 0 &&
            now - started_at_ >= std::chrono::seconds(limits.handshake_timeout))
            refuse(proto::ErrorCode::BadFrame,
                   "no OFFER or JOIN within " + std::to_string(limits.handshake_timeout) + " s");
        return;
    }
    if (transfer_->stalled(now, active_at_, limits.idle_timeout))
        abandon("nothing arrived from the sender for " + std::to_string(limits.idle_timeout) +
                " s");
}

void ReceiveStream::abandon(const std::string& reason) {
    if (transfer_ && !transfer_->finished() && transfer_->fail(reason)) {
        log_transfer(spdlog::level::warn, *transfer_, "receiving {} from {} failed: {}",
                     transfer_->name(), peer_, reason);
        worker_.daemon().registry().forget_incoming(transfer_->offer().id);
        worker_.daemon().close_transfer(transfer_->id());
    }
    close();
}

} // namespace streamd

#include "native/send_stream.hpp"

#include "digest.hpp"
#include "engine/destination.hpp"
#include "engine/worker.hpp"
#include "size_units.hpp"
#include "transfer/transfer_log.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>

namespace streamd {

namespace {
constexpr unsigned kMaxChunkFailures = 3;
// A CANCEL that cannot be delivered in this time is given up: the partial file it is
// about expires on its own.
constexpr std::chrono::seconds kNoticeTimeout{10};
} // namespace

SendStream::SendStream(Worker& worker, Transfers& transfers,
                       std::shared_ptr<OutgoingTransfer> transfer, uint16_t index)
    : OutgoingConnection(worker, transfers), transfer_(std::move(transfer)), index_(index) {
    body_.pace(&transfers_.send_limit(), &transfer_->rate_limit());
}

std::unique_ptr<SendStream> SendStream::cancel_notice(Worker& worker, Transfers& transfers,
                                                      std::shared_ptr<OutgoingTransfer> transfer) {
    auto s = std::make_unique<SendStream>(worker, transfers, std::move(transfer), 0);
    s->notice_ = true;
    return s;
}

SendStream::~SendStream() {
    if (transfer_->detach_stream() && !transfer_->finished()) transfers_.streams_gone(transfer_);
}

void SendStream::start() {
    if (transfer_->finished() && !notice_) return close();
    early_ = index_ > 0 && !transfer_->joinable();
    connect(index_ == 0 ? 0 : transfer_->chosen_address());
}

void SendStream::connected(size_t address) {
    if (index_ != 0 || notice_) return;
    transfer_->choose_address(address);
    // Once: a peer without a key is connected to again, in plain.
    const uint16_t count = transfer_->offer().stream_count;
    if (count > 1 && !std::exchange(siblings_started_, true))
        transfers_.start_streams(transfer_, 1, count - 1);
}

void SendStream::protocol_started(const std::string& how) {
    transfer_->set_encryption(how);
    phase_ = Phase::AwaitWelcome;
}

// ---- frames from the receiver -------------------------------------------------------

void SendStream::ended(int res) {
    if (transfer_->finished() || (phase_ == Phase::Running && exhausted_ && unacked_.empty()))
        return close();
    if (!broken_.empty()) return lost(broken_);
    lost("connection to " + transfer_->peer() + " " +
         (res == 0 ? std::string("closed by the peer")
                   : std::string("lost: ") + std::strerror(-res)));
}

void SendStream::on_peer_frame(const proto::FrameHeader& h, std::span<const uint8_t> body) {
    using proto::FrameType;
    if (h.type == FrameType::Error) {
        auto e = proto::decode_error(body);
        bool before_accept = phase_ < Phase::Running;
        std::string reason =
            (before_accept ? "rejected by peer: " : "the peer failed the transfer: ") + e.message;
        // Passing conditions: the receiver is at its limit, or lost the transfer (it
        // restarted) between one stream and the next.
        if (e.code == proto::ErrorCode::Busy || e.code == proto::ErrorCode::UnknownTransfer)
            return lost(reason);
        return fail(failure_of(e.code), reason);
    }
    switch (phase_) {
    case Phase::AwaitAccept:
        if (h.type == FrameType::Accept) return on_accept(body);
        break;
    case Phase::Running:
    case Phase::Finishing:
        if (h.type == FrameType::ChunkAck) return on_ack(body);
        if (h.type == FrameType::Done && phase_ == Phase::Finishing) return on_done(body);
        break;
    case Phase::Connecting:
    case Phase::AwaitWelcome:
    case Phase::AwaitJoin:
        break;
    }
    throw proto::FrameError(std::string("unexpected ") + proto::to_string(h.type) + " frame");
}

void SendStream::welcomed() {
    const auto& offer = transfer_->offer();
    if (notice_) {
        phase_ = Phase::Finishing;
        return send_frame(proto::Cancel{offer.id});
    }
    if (index_ != 0) {
        phase_ = Phase::AwaitJoin;
        if (transfer_->joinable()) join();
        return;
    }
    send_frame(offer);
    if (offer.kind == proto::OfferKind::Tree) send_manifest();
    phase_ = Phase::AwaitAccept;
}

void SendStream::transfer_accepted() {
    if (phase_ == Phase::AwaitJoin) join();
}

void SendStream::join() {
    const auto& offer = transfer_->offer();
    send_frame(proto::Join{offer.id, index_, offer.stream_count});
    phase_ = Phase::AwaitAccept;
}

bool SendStream::gave_up_early() {
    if (!early_ || phase_ > Phase::AwaitJoin) return false;
    if (transfer_->start_again(index_)) transfers_.start_streams(transfer_, index_, 1);
    cancel();
    return true;
}

void SendStream::send_manifest() {
    const auto& m = transfer_->manifest();
    for (size_t at = 0; at < m.size(); at += proto::kMaxBody)
        send_frame(proto::ManifestPiece{
            std::span(m).subspan(at, std::min(proto::kMaxBody, m.size() - at))});
}

void SendStream::on_accept(std::span<const uint8_t> body) {
    auto a = proto::decode_accept(body);
    const auto& offer = transfer_->offer();
    if (a.id != offer.id) throw proto::FrameError("ACCEPT names another transfer");
    phase_ = Phase::Running;
    if (index_ == 0) {
        for (const auto& r : a.missing)
            if (r.offset % offer.chunk_size != 0 || r.offset + r.length > offer.size)
                throw proto::FrameError("ACCEPT range is not chunk-aligned inside the file");
        transfer_->start(a);
        if (offer.stream_count > 1) transfers_.let_streams_join(transfer_);
    }
    next_chunk();
}

void SendStream::on_ack(std::span<const uint8_t> body) {
    auto ack = proto::decode_chunk_ack(body);
    if (unacked_.empty() || unacked_.front().offset != ack.offset)
        throw proto::FrameError("CHUNK_ACK for offset " + std::to_string(ack.offset) +
                                ", which is not the next chunk awaiting one on this stream");
    Unacked chunk = unacked_.front();
    unacked_.pop_front();
    if (ack.status == proto::AckStatus::BadDigest) {
        if (++failures_[chunk.offset] >= kMaxChunkFailures)
            return fail(Failure::Verification,
                        "the chunk at offset " + std::to_string(chunk.offset) + " failed " +
                            "verification " + std::to_string(kMaxChunkFailures) + " times");
        resend_.push_back(chunk.offset / transfer_->offer().chunk_size);
        if (state_ == Sending::Nothing) next_chunk();
        return;
    }
    if (transfer_->acknowledge(chunk.offset / transfer_->offer().chunk_size, chunk.length))
        return finish();
    finish_if_idle();
}

void SendStream::finish() {
    transfer_->advance(TransferState::Verifying);
    phase_ = Phase::Finishing;
    try {
        send_frame(proto::Finish{transfer_->file_digest()});
    } catch (const std::system_error& e) {
        fail(Failure::Source, std::string("cannot read the file: ") + e.what());
    }
}

void SendStream::on_done(std::span<const uint8_t> body) {
    auto done = proto::decode_done(body);
    transfer_->succeed(done.name);
    log_transfer(spdlog::level::info, *transfer_, "sent {} ({}) to {}, stored as {}",
                 transfer_->name(), proto::format_size(transfer_->size()), transfer_->peer(),
                 done.name);
    transfers_.close_transfer(transfer_->id());
    close();
}

// ---- chunks to the receiver ---------------------------------------------------------

void SendStream::next_chunk() {
    if (transfer_->finished()) return close();
    std::optional<proto::Chunk> chunk = take_chunk();
    if (closing()) return;
    if (!chunk) {
        state_ = Sending::Nothing;
        // An empty file has no chunk whose acknowledgement could trigger FINISH.
        if (index_ == 0 && transfer_->scheduler().total() == 0) return finish();
        return finish_if_idle();
    }
    unacked_.push_back({chunk->offset, chunk->length});
    data_offset_ = chunk->offset;
    data_length_ = chunk->data_length();
    state_ = Sending::Header;
    // MSG_MORE lets the header share a segment with the first data.
    send_frame(*chunk, data_length_ > 0 ? MSG_MORE : 0);
}

std::optional<proto::Chunk> SendStream::take_chunk() {
    std::optional<uint64_t> index;
    if (!resend_.empty()) {
        index = resend_.back();
        resend_.pop_back();
    } else if (!exhausted_) {
        index = transfer_->scheduler().next();
        exhausted_ = !index;
    }
    if (!index) return std::nullopt;
    const auto& offer = transfer_->offer();
    proto::Chunk chunk;
    chunk.offset = *index * offer.chunk_size;
    chunk.length =
        static_cast<uint32_t>(std::min<uint64_t>(offer.chunk_size, offer.size - chunk.offset));
    const SourceData& source = transfer_->source();
    if (source.sparse() && source.is_hole(chunk.offset, chunk.length))
        chunk.flags = proto::kChunkHole;
    if (offer.digest == proto::DigestAlgorithm::Xxh3) {
        if (chunk.hole()) {
            chunk.digest = proto::zero_digest(chunk.length);
        } else {
            // Let other streams' queued sends go while this thread reads the chunk.
            worker_.submit_now();
            try {
                chunk.digest = source.digest(chunk.offset, chunk.length);
            } catch (const std::system_error& e) {
                fail(Failure::Source, std::string("cannot read the file: ") + e.what());
                return std::nullopt;
            }
        }
    }
    transfer_->record_digest(*index, chunk.digest);
    return chunk;
}

void SendStream::send_piece() {
    const SourcePiece& p = pieces_[piece_];
    body_.start(p.file, p.offset, p.length, piece_ + 1 < pieces_.size());
}

void SendStream::on_file_read(int res) {
    body_step(body_.on_file_read(res));
}

void SendStream::on_socket_write(int res) {
    body_step(body_.on_socket_write(res));
}

void SendStream::on_pause(int res) {
    body_step(body_.on_pause(res));
}

void SendStream::body_step(Step step) {
    if (step == Step::Done) return ++piece_ < pieces_.size() ? send_piece() : next_chunk();
    if (step != Step::Failed) return;
    if (body_.file_failed()) return fail(Failure::Source, body_.failure());
    broken("sending to " + transfer_->peer() + ": " + body_.failure());
}

void SendStream::finish_if_idle() {
    // Nothing left to send or to hear about: the receiver treats the end of this
    // stream between frames as a normal close.
    if (phase_ == Phase::Running && exhausted_ && resend_.empty() && unacked_.empty() &&
        state_ == Sending::Nothing)
        close();
}

// ---- control frames -----------------------------------------------------------------

void SendStream::on_send(int res) {
    if (res < 0)
        return broken("connection to " + transfer_->peer() + " lost: " + std::strerror(-res));
    if (!sent(res)) return;
    if (notice_) {
        if (phase_ == Phase::Finishing) close(); // the CANCEL is out
        return;
    }
    if (state_ == Sending::Header) {
        state_ = Sending::Data;
        if (data_length_ == 0) return next_chunk();
        pieces_ = transfer_->source().pieces(data_offset_, data_length_);
        piece_ = 0;
        send_piece();
    }
}

void SendStream::check_time(Clock::time_point now) {
    if (notice_) {
        if (now - started_at_ >= kNoticeTimeout) close();
        return;
    }
    const uint64_t idle = transfers_.settings().limits().idle_timeout;
    if (transfer_->stalled(now, active_at_, idle))
        lost("no progress with " + transfer_->peer() + " for " + std::to_string(idle) + " s");
}

void SendStream::cancel() {
    // Reset rather than close: a receiver that is not reading would learn of the end
    // only after the unsent data, which may be never.
    ::linger abort{1, 0};
    ::setsockopt(transport().socket(), SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    close();
}

void SendStream::broken(std::string reason) {
    // The receiver may have said why before it closed; its ERROR, if it sent one, is
    // still to come from the receive in flight and is the better reason.
    if (broken_.empty()) broken_ = std::move(reason);
}

void SendStream::lost(std::string reason) {
    if (notice_) return close(); // best effort: the receiver's partial expires anyway
    if (gave_up_early()) return;
    // Only a transfer that got going is worth another attempt: a first connection
    // that fails is a mistake (wrong host, no daemon there) to report at once.
    if (!transfer_->accepted_once()) return fail(Failure::Connection, std::move(reason));
    if (transfer_->lose(reason)) {
        log_transfer(spdlog::level::warn, *transfer_, "{}; trying again", reason);
        transfers_.close_transfer(transfer_->id());
    }
    cancel();
}

void SendStream::fail(Failure kind, std::string reason) {
    if (notice_) return close();
    if (gave_up_early()) return;
    if (transfer_->fail(kind, reason)) {
        log_transfer(spdlog::level::warn, *transfer_, "sending {} to {} failed: {}",
                     transfer_->name(), transfer_->peer(), reason);
        transfers_.close_transfer(transfer_->id());
    }
    close();
}

} // namespace streamd

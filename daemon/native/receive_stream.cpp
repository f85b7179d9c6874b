#include "native/receive_stream.hpp"

#include "digest.hpp"
#include "engine/random_bytes.hpp"
#include "engine/worker.hpp"
#include "size_units.hpp"
#include "transfer/transfer_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <utility>

namespace streamd {

namespace {

bool canceled_here(const TransferRegistry& registry, const proto::TransferId& id) {
    for (const auto& t : registry.all())
        if (t->direction() == Direction::In && t->state() == TransferState::Canceled &&
            static_cast<const IncomingTransfer&>(*t).offer().id == id)
            return true;
    return false;
}

} // namespace

ReceiveStream::ReceiveStream(Worker& worker, Transfers& transfers, Arrival arrival)
    : Connection(worker, std::move(arrival.wire)), transfers_(transfers),
      peer_(std::move(arrival.peer)), admission_(std::move(arrival.admission)),
      peer_on_loopback_(arrival.peer_on_loopback), plain_refused_(arrival.plain_refused) {
    // The handshake is timed from the accept, not from the hand-over.
    started_at_ = arrival.accepted_at;
    have_ = std::min(arrival.received.size(), proto::kPreambleSize);
    std::copy_n(arrival.received.begin(), have_, in_.begin());
}

ReceiveStream::~ReceiveStream() {
    if (transfer_) transfers_.stream_left(*transfer_, peer_);
}

void ReceiveStream::start() {
    // The port read the preamble, or what came of it within the handshake timeout.
    reading_ = Reading::Preamble;
    want_ = proto::kPreambleSize;
    if (have_ == want_) return have_read();
    receive({in_.data() + have_, want_ - have_}, MSG_WAITALL);
}

// ---- control frames -------------------------------------------------------------

void ReceiveStream::read_exact(Reading what, size_t n) {
    reading_ = what;
    want_ = n;
    have_ = 0;
    if (n == 0) return on_recv(0);
    receive({in_.data(), n}, MSG_WAITALL);
}

void ReceiveStream::on_recv(int res) {
    if (close_after_send_) return; // refused: nothing more the peer says matters
    if (res < 0)
        return abandon(Failure::Connection, std::string("connection lost: ") + std::strerror(-res));
    if (res == 0 && have_ < want_) {
        if (reading_ != Reading::Body && have_ == 0)
            return close(); // end of stream between frames: the sender is done with it
        return abandon(Failure::Connection,
                       "connection closed by the peer in the middle of a frame");
    }
    have_ += static_cast<size_t>(res);
    if (have_ < want_) {
        receive({in_.data() + have_, want_ - have_}, MSG_WAITALL);
        return;
    }
    have_read();
}

void ReceiveStream::have_read() {
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
    if (!proto::has_magic({in_.data(), proto::kPreambleSize})) return close();
    uint16_t version = proto::decode_preamble(
        std::span<const uint8_t, proto::kPreambleSize>(in_.data(), proto::kPreambleSize));
    if (version != proto::kVersion)
        return refuse(proto::ErrorCode::UnsupportedVersion,
                      "protocol version " + std::to_string(version) + " is not supported (this " +
                          "daemon speaks version " + std::to_string(proto::kVersion) + ")");
    if (plain_refused_)
        return refuse(proto::ErrorCode::EncryptionRequired,
                      "this daemon accepts only encrypted connections ([tls] mode = "
                      "\"required\"): give the sender the same key, and a [tls] mode other "
                      "than \"off\"");
    auto key = transfers_.settings().secret_key();
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
    case FrameType::Manifest:
        return on_manifest(body);
    case FrameType::Join:
        return on_join(body);
    case FrameType::Chunk:
        return on_chunk(body);
    case FrameType::Finish:
        return on_finish(body);
    case FrameType::Cancel:
        return on_cancel(body);
    case FrameType::Pull:
        return on_pull(body);
    case FrameType::Error: {
        auto e = proto::decode_error(body);
        if (transfer_) {
            transfer_->fail(Failure::Refused, "the sender gave up: " + e.message);
            transfer_->discard();
        }
        return abandon(Failure::Refused, "the sender gave up: " + e.message);
    }
    default:
        return refuse(proto::ErrorCode::BadFrame, std::string("unexpected ") +
                                                      proto::to_string(header_.type) +
                                                      " frame from a sender");
    }
}

void ReceiveStream::on_offer(std::span<const uint8_t> body) {
    if (transfer_ || tree_offer_)
        return refuse(proto::ErrorCode::BadFrame, "OFFER on a stream that carries a transfer");
    auto offer = proto::decode_offer(body);
    if (offer.digest == proto::DigestAlgorithm::Xxh32)
        return refuse(proto::ErrorCode::BadFrame, "digest algorithm 2 is for browsers only");
    // A sender that missed the ERROR CANCELED (a middlebox dropped it) would otherwise
    // take its reconnect for a resume.
    if (canceled_here(transfers_.registry(), offer.id))
        return refuse(proto::ErrorCode::Canceled, "the transfer was canceled at the receiver");
    if (offer.kind == proto::OfferKind::Tree) {
        manifest_.reserve(offer.manifest_length);
        tree_offer_ = std::move(offer);
        return read_exact(Reading::Header, proto::kHeaderSize);
    }
    transfer_ = transfers_.accept_offer(offer, peer_);
    accepted(offer);
}

void ReceiveStream::on_manifest(std::span<const uint8_t> body) {
    if (!tree_offer_ || transfer_)
        return refuse(proto::ErrorCode::BadFrame, "MANIFEST without the OFFER of a folder");
    const auto piece = proto::decode_manifest_piece(body);
    const proto::Offer& offer = *tree_offer_;
    if (manifest_.size() + piece.size() > offer.manifest_length)
        return refuse(proto::ErrorCode::BadFrame, "the manifest is longer than its OFFER said");
    manifest_.insert(manifest_.end(), piece.begin(), piece.end());
    if (manifest_.size() < offer.manifest_length)
        return read_exact(Reading::Header, proto::kHeaderSize);
    if (proto::chunk_digest(manifest_) != offer.manifest_digest)
        return refuse(proto::ErrorCode::BadFrame, "the manifest does not match its digest");
    proto::TreeManifest manifest = proto::decode_manifest(manifest_);
    if (proto::TreeLayout(manifest).data_size() != offer.size)
        return refuse(proto::ErrorCode::BadFrame,
                      "the manifest's files do not add up to the size the OFFER said");
    std::vector<uint8_t>().swap(manifest_);
    transfer_ = transfers_.accept_tree(offer, std::move(manifest), peer_);
    accepted(offer);
}

void ReceiveStream::accepted(const proto::Offer& offer) {
    admission_.settle();
    transfer_->set_encryption(transport().encryption());
    send_frame(proto::Accept{offer.id, transfer_->missing()});
    read_exact(Reading::Header, proto::kHeaderSize);
}

void ReceiveStream::on_cancel(std::span<const uint8_t> body) {
    if (transfer_)
        return refuse(proto::ErrorCode::BadFrame, "CANCEL on a stream that carries a transfer");
    auto id = proto::decode_cancel(body).id;
    if (auto t = transfers_.registry().find_incoming(id)) {
        transfers_.registry().forget_incoming(id);
        if (t->cancel("canceled at the sender")) {
            log_transfer(spdlog::level::info, *t, "receiving {} from {} canceled at the sender",
                         t->name(), peer_);
            transfers_.close_transfer(t->id());
        }
    }
    // Whether it still runs or already failed as its streams were reset, its partial
    // file has no future.
    transfers_.storage().doom(id);
    close();
}

void ReceiveStream::on_pull(std::span<const uint8_t> body) {
    if (transfer_ || tree_offer_)
        return refuse(proto::ErrorCode::BadFrame, "PULL on a stream that carries a transfer");
    const proto::Pull pull = proto::decode_pull(body);
    sockaddr_storage from{};
    socklen_t length = sizeof from;
    if (::getpeername(transport().socket(), reinterpret_cast<sockaddr*>(&from), &length) != 0)
        return abandon(Failure::Connection, std::string("peer gone: ") + std::strerror(errno));
    transfers_.serve_pull(pull, reinterpret_cast<const sockaddr*>(&from));
    // The transfer comes on connections of its own: this one has said all it had to.
    admission_.settle();
    send_frame(proto::Accept{pull.id, {}});
    close_after_send_ = true;
}

void ReceiveStream::on_join(std::span<const uint8_t> body) {
    if (transfer_)
        return refuse(proto::ErrorCode::BadFrame, "JOIN on a stream that carries a transfer");
    auto join = proto::decode_join(body);
    auto t = transfers_.registry().find_incoming(join.id);
    if (!t || t->finished() || join.index == 0 || join.count != t->offer().stream_count)
        return refuse(proto::ErrorCode::UnknownTransfer,
                      "no running transfer " + proto::to_hex(join.id) + " with " +
                          std::to_string(join.count) + " streams");
    t->attach_stream();
    transfer_ = std::move(t);
    admission_.settle();
    transfer_->set_encryption(transport().encryption());
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
    if (!transfer_->tree())
        return data_.start(transfer_->file(), chunk_.offset, chunk_.length, verifying());
    extents_ = transfer_->extents(chunk_.offset, chunk_.length);
    extent_ = 0;
    write_extent();
}

void ReceiveStream::write_extent() {
    const proto::Extent& e = extents_[extent_];
    target_ = transfer_->open_file(e.entry);
    if (extent_ == 0)
        data_.start(target_.get(), e.file_offset, e.length, verifying());
    else
        data_.go_on(target_.get(), e.file_offset, e.length);
}

void ReceiveStream::on_finish(std::span<const uint8_t> body) {
    if (!transfer_) return refuse(proto::ErrorCode::BadFrame, "FINISH before OFFER or JOIN");
    auto finish = proto::decode_finish(body);
    commit_.emplace(transfer_, finish.digest);
    commit_step();
}

void ReceiveStream::commit_step() {
    if (int fd = commit_->pending_sync(); fd >= 0) return commit_sync_.start({fd}, false);
    const std::string stored = commit_->stored();
    commit_.reset();
    transfer_->succeed(stored);
    transfers_.registry().forget_incoming(transfer_->offer().id);
    log_transfer(spdlog::level::info, *transfer_, "received {} ({}) from {}, stored as {}",
                 transfer_->name(), proto::format_size(transfer_->size()), peer_, stored);
    send_frame(proto::Done{stored});
    read_exact(Reading::Header, proto::kHeaderSize);
}

void ReceiveStream::on_commit_sync(int res) {
    if (close_after_send_) return;
    try {
        commit_->synced(*commit_sync_.on_complete(res));
    } catch (const Refusal& r) {
        if (r.code == proto::ErrorCode::IoError)
            log_transfer(spdlog::level::err, *transfer_, "cannot put {} in place: {}",
                         transfer_->name(), r.message);
        return refuse(r.code, r.message);
    }
    commit_step();
}

// ---- chunk data -------------------------------------------------------------------

void ReceiveStream::on_socket_read(int res) {
    if (!close_after_send_) data_step(data_.on_socket_read(res));
}

void ReceiveStream::on_file_write(int res) {
    if (!close_after_send_) data_step(data_.on_file_write(res));
}

void ReceiveStream::data_step(Step step) {
    if (step == Step::Done && transfer_->tree() && ++extent_ < extents_.size()) {
        try {
            return write_extent();
        } catch (const Refusal& r) {
            log_transfer(spdlog::level::err, *transfer_, "cannot write {}: {}", transfer_->name(),
                         r.message);
            return refuse(r.code, r.message);
        }
    }
    if (step == Step::Going) return;
    target_.reset();
    if (step == Step::Done) return chunk_arrived();
    if (!data_.file_failed()) return abandon(Failure::Connection, data_.failure());
    log_transfer(spdlog::level::err, *transfer_, "cannot write {}: {}", transfer_->name(),
                 data_.failure());
    refuse(proto::ErrorCode::IoError, "cannot write the file: " + data_.failure());
}

bool ReceiveStream::verifying() const {
    return transfer_->offer().digest == proto::DigestAlgorithm::Xxh3;
}

void ReceiveStream::chunk_arrived() {
    // The next header, and every other stream's queued work, can travel while this
    // thread checks the chunk (and hashes a hole's zeros).
    read_exact(Reading::Header, proto::kHeaderSize);
    std::optional<uint64_t> found;
    if (verifying()) found = chunk_.hole() ? proto::zero_digest(chunk_.length) : data_.digest();
    const bool ok = transfer_->chunk_written(chunk_.offset / transfer_->offer().chunk_size,
                                             chunk_.digest, found, chunk_.length);
    send_frame(
        proto::ChunkAck{chunk_.offset, ok ? proto::AckStatus::Ok : proto::AckStatus::BadDigest});
    chunk_syncer_.chunk_done(transfer_);
}

void ReceiveStream::on_chunk_sync(int res) {
    auto failed = chunk_syncer_.on_complete(res);
    if (close_after_send_) return;
    if (!failed) return chunk_syncer_.chunk_done(transfer_);
    const std::string why = std::strerror(-failed->error);
    log_transfer(spdlog::level::err, *transfer_, "cannot write {}: {}", transfer_->name(), why);
    refuse(proto::ErrorCode::IoError, "cannot write the file: " + why);
}

// ---- sending ----------------------------------------------------------------------

void ReceiveStream::on_send(int res) {
    if (res < 0)
        return abandon(Failure::Connection, std::string("connection lost: ") + std::strerror(-res));
    if (sent(res) && close_after_send_) linger();
}

void ReceiveStream::refuse(proto::ErrorCode code, std::string message) {
    // A sender that breaks the protocol does not get its leftovers kept for a resume.
    if (transfer_ && code == proto::ErrorCode::BadFrame) transfer_->discard();
    if (transfer_)
        transfers_.fail_incoming(*transfer_, peer_, failure_of(code), message);
    else
        spdlog::info("refused {}: {}", peer_, message);
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

void ReceiveStream::check_time(Clock::time_point now) {
    if (close_after_send_) return;
    const Config::Limits limits = transfers_.settings().limits();
    if (!transfer_) {
        if (admission_.shed())
            return refuse(proto::ErrorCode::Busy,
                          "too many connections ([limits] max_connections); this one had not "
                          "sent its OFFER or JOIN");
        if (limits.handshake_timeout != 0 &&
            now - started_at_ >= std::chrono::seconds(limits.handshake_timeout))
            refuse(proto::ErrorCode::BadFrame,
                   "no OFFER or JOIN within " + std::to_string(limits.handshake_timeout) + " s");
        return;
    }
    if (transfer_->stalled(now, active_at_, limits.idle_timeout))
        abandon(Failure::Connection, "nothing arrived from the sender for " +
                                         std::to_string(limits.idle_timeout) + " s");
}

void ReceiveStream::abandon(Failure kind, const std::string& reason) {
    if (transfer_) transfers_.fail_incoming(*transfer_, peer_, kind, reason);
    close();
}

} // namespace streamd

#include "engine/connection.hpp"

#include "engine/worker.hpp"

#include <stdexcept>
#include <sys/socket.h>

namespace streamd {

namespace {
constexpr size_t kDrainBuffer = 16 * 1024;
} // namespace

void Connection::close() {
    if (closing_) return;
    closing_ = true;
    // Wakes every operation still waiting on the socket; the connection is freed when
    // the last one returns.
    transport_->shutdown(SHUT_RDWR);
    // A splice that waits on a pipe rather than the socket (for room, or for data a
    // failed link will never bring) does not notice the shutdown; canceling it
    // interrupts the kernel thread that runs it.
    if (inflight_ > 0) worker_.cancel_operations(*this);
}

void Connection::receive(std::span<uint8_t> into, int flags) {
    transport_->recv(*this, Op::Recv, into, flags);
}

io_uring_sqe* Connection::prepare(Op op) {
    io_uring_sqe* sqe = worker_.ring().sqe();
    ++inflight_;
    sqe->user_data = worker_.tag(*this, op);
    return sqe;
}

void Connection::complete(Op op, int res) {
    switch (op) {
    case Op::Handshake:
    case Op::Recv:
    case Op::Send:
    case Op::SocketRead:
    case Op::SocketWrite:
    case Op::Drain:
        // The transport may have more to do on the wire before the connection hears.
        if (auto result = transport_->completed(*this, op, res))
            res = *result;
        else
            return;
        break;
    default:
        break;
    }
    switch (op) {
    case Op::Handshake:
        return on_handshake(res);
    case Op::Connect:
        return on_connect(res);
    case Op::Recv:
        return on_recv(res);
    case Op::Send:
        return on_send(res);
    case Op::FileRead:
        return on_file_read(res);
    case Op::SocketWrite:
        return on_socket_write(res);
    case Op::SocketRead:
        return on_socket_read(res);
    case Op::FileWrite:
        return on_file_write(res);
    case Op::ChunkSync:
        return on_chunk_sync(res);
    case Op::CommitSync:
        return on_commit_sync(res);
    case Op::Pause:
        return on_pause(res);
    case Op::Drain:
        if (res <= 0) return close();
        return drain();
    default:
        throw std::logic_error("a worker's own completion reached a connection");
    }
}

namespace {
[[noreturn]] void unexpected(const char* what) {
    throw std::logic_error(std::string("unexpected completion: ") + what);
}
} // namespace

void Connection::on_connect(int) {
    unexpected("connect");
}
void Connection::on_handshake(int) {
    unexpected("handshake");
}
void Connection::on_recv(int) {
    unexpected("recv");
}
void Connection::on_send(int) {
    unexpected("send");
}
void Connection::on_file_read(int) {
    unexpected("file read");
}
void Connection::on_socket_write(int) {
    unexpected("socket write");
}
void Connection::on_socket_read(int) {
    unexpected("socket read");
}
void Connection::on_file_write(int) {
    unexpected("file write");
}
void Connection::on_chunk_sync(int) {
    unexpected("chunk sync");
}
void Connection::on_commit_sync(int) {
    unexpected("commit sync");
}
void Connection::on_pause(int) {
    unexpected("pause");
}

void Connection::sync_file(int fd, Op op, bool data_only) {
    io_uring_prep_fsync(prepare(op), fd, data_only ? IORING_FSYNC_DATASYNC : 0);
}

void Connection::send_bytes(std::span<const uint8_t> bytes, int flags) {
    outbox_.insert(outbox_.end(), bytes.begin(), bytes.end());
    flush(flags);
}

std::unique_ptr<Transport> Connection::give_up_transport() {
    if (inflight_ != 0) throw std::logic_error("socket handed over with operations in flight");
    closing_ = true;
    return std::move(transport_);
}

void Connection::flush(int flags) {
    if (!sending_.empty() || outbox_.empty()) return;
    sending_.swap(outbox_);
    sent_ = 0;
    transport_->send(*this, Op::Send, sending_, MSG_NOSIGNAL | flags);
}

bool Connection::sent(int res) {
    sent_ += static_cast<size_t>(res);
    if (sent_ < sending_.size()) {
        transport_->send(*this, Op::Send, std::span(sending_).subspan(sent_), MSG_NOSIGNAL);
        return false;
    }
    sending_.clear();
    if (!outbox_.empty()) {
        flush();
        return false;
    }
    return true;
}

void Connection::linger() {
    if (lingering_since_ || closing_) return;
    lingering_since_ = Clock::now();
    transport_->shutdown(SHUT_WR);
    drain_buffer_ = std::make_unique<uint8_t[]>(kDrainBuffer);
    drain();
}

void Connection::drain() {
    transport_->recv(*this, Op::Drain, {drain_buffer_.get(), kDrainBuffer}, 0);
}

} // namespace streamd

#include "engine/connection.hpp"

#include "engine/worker.hpp"

#include <stdexcept>
#include <sys/socket.h>

namespace streamd {

void Connection::close() {
    if (closing_) return;
    closing_ = true;
    // Wakes every operation still waiting on the socket; the connection is freed when
    // the last one returns.
    ::shutdown(fd_.get(), SHUT_RDWR);
    // A splice that waits on a pipe rather than the socket (for room, or for data a
    // failed link will never bring) does not notice the shutdown; canceling it
    // interrupts the kernel thread that runs it.
    if (inflight_ > 0) worker_.cancel_operations(*this);
}

io_uring_sqe* Connection::prepare(Op op) {
    io_uring_sqe* sqe = worker_.ring().sqe();
    ++inflight_;
    sqe->user_data = worker_.tag(*this, op);
    return sqe;
}

void Connection::complete(Op op, int res) {
    switch (op) {
    case Op::Connect:
        return on_connect(res);
    case Op::Recv:
        return on_recv(res);
    case Op::Send:
        return on_send(res);
    case Op::DataIn:
        return on_data_in(res);
    case Op::DataOut:
        return on_data_out(res);
    case Op::Tee:
        return on_tee(res);
    case Op::Handler:
        break; // the worker's own, never a connection's
    }
}

void Connection::send_bytes(std::span<const uint8_t> bytes, int flags) {
    outbox_.insert(outbox_.end(), bytes.begin(), bytes.end());
    flush(flags);
}

UniqueFd Connection::give_up_socket() {
    if (inflight_ != 0) throw std::logic_error("socket handed over with operations in flight");
    closing_ = true;
    return std::move(fd_);
}

void Connection::flush(int flags) {
    if (!sending_.empty() || outbox_.empty()) return;
    sending_.swap(outbox_);
    sent_ = 0;
    io_uring_prep_send(prepare(Op::Send), fd_.get(), sending_.data(), sending_.size(),
                       MSG_NOSIGNAL | flags);
}

bool Connection::sent(int res) {
    sent_ += static_cast<size_t>(res);
    if (sent_ < sending_.size()) {
        io_uring_prep_send(prepare(Op::Send), fd_.get(), sending_.data() + sent_,
                           sending_.size() - sent_, MSG_NOSIGNAL);
        return false;
    }
    sending_.clear();
    if (!outbox_.empty()) {
        flush();
        return false;
    }
    return true;
}

} // namespace streamd

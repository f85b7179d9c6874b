#include "engine/file_to_socket.hpp"

#include "engine/connection.hpp"
#include "engine/worker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>

namespace streamd {

namespace {
constexpr size_t kCopyBuffer = 256 * 1024;
} // namespace

FileToSocket::~FileToSocket() {
    release_pipe();
}

void FileToSocket::release_pipe() {
    owner_.worker_.pipes().release(std::move(pipe_));
}

void FileToSocket::start(int file, uint64_t offset, uint64_t length, bool more) {
    file_ = file;
    at_ = offset;
    left_ = length;
    more_ = more;
    buffered_ = 0;
    failure_.clear();
    next_piece();
}

void FileToSocket::next_piece() {
    Worker& worker = owner_.worker_;
    const int wire = owner_.transport_->splice_out_fd();
    if (worker.use_splice() && wire >= 0 && !pipe_ && !copy_buffer_)
        pipe_ = worker.pipes().acquire();
    if (!pipe_ && !copy_buffer_) copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
    uint64_t n = std::min<uint64_t>(left_, pipe_ ? pipe_->capacity : kCopyBuffer);
    // A limit without a rate leaves the piece as it is and asks for no wait.
    for (RateLimit* limit : limits_)
        if (limit) n = limit->piece(n);
    RateLimit::Clock::duration wait{};
    const auto now = RateLimit::Clock::now();
    for (RateLimit* limit : limits_)
        if (limit) wait = std::max(wait, limit->reserve(n, now));
    if (wait <= RateLimit::Clock::duration::zero()) return read(n);
    paused_piece_ = n;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
    pause_.tv_sec = ns / 1'000'000'000;
    pause_.tv_nsec = ns % 1'000'000'000;
    io_uring_prep_timeout(owner_.prepare(Op::Pause), &pause_, 0, 0);
}

Step FileToSocket::on_pause(int) {
    // -ETIME, the wait is over; anything else (canceled) reaches a closing connection,
    // which hears nothing.
    read(std::exchange(paused_piece_, 0));
    return Step::Going;
}

void FileToSocket::read(uint64_t length) {
    Worker& worker = owner_.worker_;
    const auto n = static_cast<unsigned>(length);
    if (!pipe_) {
        io_uring_prep_read(owner_.prepare(Op::FileRead), file_, copy_buffer_.get(), n, at_);
        return;
    }
    // Linked, as for chunks: one kernel worker reads and sends in one go. The send does
    // not wait on the pipe, so a short or failed read cannot make it hang.
    const int wire = owner_.transport_->splice_out_fd();
    const bool more = left_ > n || more_;
    worker.ring().reserve(2);
    io_uring_sqe* in = owner_.prepare(Op::FileRead);
    io_uring_prep_splice(in, file_, static_cast<int64_t>(at_), pipe_->write_end.get(), -1, n,
                         SPLICE_F_MOVE);
    in->flags |= IOSQE_IO_HARDLINK;
    io_uring_prep_splice(owner_.prepare(Op::SocketWrite), pipe_->read_end.get(), -1, wire, -1, n,
                         SPLICE_F_MOVE | SPLICE_F_NONBLOCK | (more ? SPLICE_F_MORE : 0));
    linked_out_ = true;
}

Step FileToSocket::on_file_read(int res) {
    if (res <= 0 && linked_out_) {
        in_failure_ = res == 0 ? -ENODATA : res;
        return Step::Going; // the linked send comes back empty-handed; decide then
    }
    return read_done(res);
}

Step FileToSocket::read_done(int res) {
    if (res == -EINVAL && pipe_) {
        owner_.worker_.pipes().release(std::move(pipe_));
        copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
        note_copy_fallback("file to pipe");
        read(std::min<uint64_t>(left_, kCopyBuffer));
        return Step::Going;
    }
    // The length was promised ahead of the data: a file that shrank can only be cut off.
    if (res == 0 || res == -ENODATA) return fail("the file shrank while it was being sent", true);
    if (res < 0) return fail(std::string("cannot read the file: ") + std::strerror(-res), true);
    at_ += static_cast<uint64_t>(res);
    left_ -= static_cast<uint64_t>(res);
    buffered_ = static_cast<uint64_t>(res);
    buffer_pos_ = 0;
    if (!linked_out_) write();
    return Step::Going;
}

void FileToSocket::write() {
    const bool more = left_ > 0 || more_;
    if (pipe_) {
        io_uring_prep_splice(owner_.prepare(Op::SocketWrite), pipe_->read_end.get(), -1,
                             owner_.transport_->splice_out_fd(), -1,
                             static_cast<unsigned>(buffered_),
                             SPLICE_F_MOVE | (more ? SPLICE_F_MORE : 0));
    } else {
        owner_.transport_->send(owner_, Op::SocketWrite,
                                {copy_buffer_.get() + buffer_pos_, buffered_},
                                MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    }
}

Step FileToSocket::on_socket_write(int res) {
    if (std::exchange(linked_out_, false)) {
        if (in_failure_ != 0) return read_done(std::exchange(in_failure_, 0));
        // The socket had no room for all of it: the rest goes out unlinked, allowed to wait.
        if (res == -EAGAIN) {
            write();
            return Step::Going;
        }
    }
    if (res <= 0)
        return fail(std::string("connection lost: ") +
                        (res == 0 ? "short send" : std::strerror(-res)),
                    false);
    buffered_ -= static_cast<uint64_t>(res);
    buffer_pos_ += static_cast<uint64_t>(res);
    if (buffered_ > 0) {
        write();
        return Step::Going;
    }
    if (left_ > 0) {
        next_piece();
        return Step::Going;
    }
    return Step::Done;
}

Step FileToSocket::fail(std::string why, bool file) {
    failure_ = std::move(why);
    file_failed_ = file;
    return Step::Failed;
}

} // namespace streamd

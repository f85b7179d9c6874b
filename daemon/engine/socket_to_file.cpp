#include "engine/socket_to_file.hpp"

#include "engine/connection.hpp"
#include "engine/worker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace streamd {

namespace {
// Two buffers per connection receiving hashed data. Every write of one is a hand-over to
// one of the kernel's worker threads, so they are large; they are filled a cache-sized
// piece at a time, each hashed right after it arrives (docs/BENCHMARKS.md, *The engine
// at the limit*).
constexpr uint64_t kBufferSize = 1024 * 1024;
constexpr uint64_t kPiece = 256 * 1024;
} // namespace

SocketToFile::~SocketToFile() {
    owner_.worker_.pipes().release(std::move(pipe_));
}

void SocketToFile::start(int file, uint64_t offset, uint64_t length, bool hash) {
    hash_ = hash;
    hasher_.reset();
    go_on(file, offset, length);
}

void SocketToFile::go_on(int file, uint64_t offset, uint64_t length) {
    file_ = file;
    left_ = length;
    next_at_ = offset;
    failure_.clear();
    Worker& worker = owner_.worker_;
    // Hashing reads every byte anyway: received into a buffer, it is read from the cache
    // rather than once more from memory, as a tee of the pipe would be.
    if (hash_) worker.pipes().release(std::move(pipe_));
    if (!hash_ && worker.use_splice() && owner_.transport_->splice_in_fd() >= 0 && !pipe_ &&
        !buffers_[0].bytes)
        pipe_ = worker.pipes().acquire();
    if (pipe_) return splice_piece();
    if (!buffers_[0].bytes) make_buffers(kBufferSize);
    pump();
}

// ---- splice mode ------------------------------------------------------------------

void SocketToFile::splice_piece() {
    // Only ever into an empty pipe: a pipe's capacity counts page slots, and socket
    // data may fill them with smaller pieces, so a second splice into a partly filled
    // pipe can block on a full one, where closing the socket cannot wake it.
    auto n = static_cast<unsigned>(std::min<uint64_t>(left_, pipe_->capacity));
    // The kernel runs every splice on one of its worker threads. Linked, that thread
    // reads and writes in one go instead of returning here in between. The write does
    // not block: it takes what the read brought (nothing, if it failed) and never waits
    // for more.
    IoRing& ring = owner_.worker_.ring();
    ring.reserve(2);
    io_uring_sqe* in = owner_.prepare(Op::SocketRead);
    io_uring_prep_splice(in, owner_.transport_->splice_in_fd(), -1, pipe_->write_end.get(), -1, n,
                         SPLICE_F_MOVE);
    in->flags |= IOSQE_IO_HARDLINK;
    io_uring_prep_splice(owner_.prepare(Op::FileWrite), pipe_->read_end.get(), -1, file_,
                         static_cast<int64_t>(next_at_), n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    linked_out_ = true;
}

Step SocketToFile::on_socket_read(int res) {
    if (!pipe_) return received(res);
    if (res <= 0 && linked_out_) {
        in_failure_ = res == 0 ? -ECONNRESET : res;
        return Step::Going; // the linked write comes back empty-handed; decide then
    }
    return spliced(res);
}

Step SocketToFile::spliced(int res) {
    if (res == -EINVAL && in_pipe_ == 0) {
        owner_.worker_.pipes().release(std::move(pipe_));
        make_buffers(kBufferSize);
        note_copy_fallback("socket to pipe");
        return pump();
    }
    if (res < 0) return fail(std::string("connection lost: ") + std::strerror(-res), false);
    if (res == 0) return fail("connection closed by the peer in the middle of a chunk", false);
    left_ -= static_cast<uint64_t>(res);
    in_pipe_ = static_cast<uint64_t>(res);
    return Step::Going; // the linked write is on its way
}

Step SocketToFile::on_file_write(int res) {
    return pipe_ ? splice_written(res) : copied(res);
}

Step SocketToFile::splice_written(int res) {
    if (std::exchange(linked_out_, false)) {
        if (in_failure_ != 0) return spliced(std::exchange(in_failure_, 0));
        // Would have blocked (the file system took less than the pipe held): the
        // rest goes out unlinked, allowed to wait.
        if (res == -EAGAIN) return splice_out();
    }
    if (res == -EINVAL) {
        // The file system refuses splice: what is in the pipe goes through a buffer, as
        // does everything after it. A pipe may be larger than a buffer.
        make_buffers(std::max(kBufferSize, uint64_t{pipe_->capacity}));
        ssize_t n = ::read(pipe_->read_end.get(), filling_->bytes.get(), in_pipe_);
        if (n != static_cast<ssize_t>(in_pipe_)) return fail("cannot drain pipe", true);
        filling_->at = next_at_;
        filling_->filled = in_pipe_;
        next_at_ += in_pipe_;
        in_pipe_ = 0;
        owner_.worker_.pipes().release(std::move(pipe_));
        note_copy_fallback("pipe to file");
        return pump();
    }
    if (res <= 0) return fail(res == 0 ? "short write" : std::strerror(-res), true);
    next_at_ += static_cast<uint64_t>(res);
    in_pipe_ -= static_cast<uint64_t>(res);
    if (in_pipe_ > 0) return splice_out();
    if (left_ == 0) return Step::Done;
    splice_piece();
    return Step::Going;
}

Step SocketToFile::splice_out() {
    io_uring_prep_splice(owner_.prepare(Op::FileWrite), pipe_->read_end.get(), -1, file_,
                         static_cast<int64_t>(next_at_), static_cast<unsigned>(in_pipe_),
                         SPLICE_F_MOVE);
    return Step::Going;
}

void SocketToFile::make_buffers(uint64_t size) {
    capacity_ = size;
    for (Buffer& b : buffers_)
        b.bytes = std::make_unique<uint8_t[]>(size);
}

// ---- copy mode --------------------------------------------------------------------

Step SocketToFile::pump() {
    // Only whole buffers are written (or the last of the range): on a slow link each
    // receive brings a few packets, and a write per receive would cost a hand-over to the
    // kernel's worker thread every few kilobytes.
    const bool whole = filling_->filled == capacity_ || (left_ == 0 && filling_->filled > 0);
    if (!writing_ && draining_->written == draining_->filled && !receiving_ && whole)
        std::swap(filling_, draining_);
    if (!writing_ && draining_->written < draining_->filled) {
        writing_ = true;
        io_uring_prep_write(owner_.prepare(Op::FileWrite), file_,
                            draining_->bytes.get() + draining_->written,
                            static_cast<unsigned>(draining_->filled - draining_->written),
                            draining_->at + draining_->written);
    }
    if (!receiving_ && left_ > 0 && filling_->filled < capacity_) {
        if (filling_->filled == 0) filling_->at = next_at_;
        receiving_ = true;
        const uint64_t n = std::min({left_, capacity_ - filling_->filled, kPiece});
        owner_.transport_->recv(owner_, Op::SocketRead,
                                {filling_->bytes.get() + filling_->filled, n}, 0);
    }
    const bool idle = !receiving_ && !writing_;
    return idle && left_ == 0 ? Step::Done : Step::Going;
}

Step SocketToFile::received(int res) {
    receiving_ = false;
    if (res < 0) return fail(std::string("connection lost: ") + std::strerror(-res), false);
    if (res == 0) return fail("connection closed by the peer in the middle of a chunk", false);
    const auto n = static_cast<uint64_t>(res);
    if (hash_) hasher_.update({filling_->bytes.get() + filling_->filled, n});
    filling_->filled += n;
    next_at_ += n;
    left_ -= n;
    return pump();
}

Step SocketToFile::copied(int res) {
    writing_ = false;
    if (res <= 0) return fail(res == 0 ? "short write" : std::strerror(-res), true);
    draining_->written += static_cast<uint64_t>(res);
    if (draining_->written == draining_->filled) draining_->filled = draining_->written = 0;
    return pump(); // a short write goes on first, before the buffers swap again
}

Step SocketToFile::fail(std::string why, bool file) {
    failure_ = std::move(why);
    file_failed_ = file;
    return Step::Failed;
}

} // namespace streamd

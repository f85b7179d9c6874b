#include "engine/socket_to_file.hpp"

#include "engine/connection.hpp"
#include "engine/worker.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include <utility>

namespace streamd {

namespace {
constexpr size_t kCopyBuffer = 256 * 1024;
} // namespace

SocketToFile::~SocketToFile() {
    owner_.worker_.pipes().release(std::move(pipe_));
    owner_.worker_.pipes().release(std::move(tee_pipe_));
}

void SocketToFile::start(int file, uint64_t offset, uint64_t length, bool hash) {
    hash_ = hash;
    hasher_.reset();
    go_on(file, offset, length);
}

void SocketToFile::go_on(int file, uint64_t offset, uint64_t length) {
    file_ = file;
    left_ = length;
    write_at_ = offset;
    buffered_ = 0;
    failure_.clear();
    Worker& worker = owner_.worker_;
    if (worker.use_splice() && owner_.transport_->splice_in_fd() >= 0 && !pipe_ && !copy_buffer_) {
        pipe_ = worker.pipes().acquire();
        if (pipe_ && hash_) {
            tee_pipe_ = worker.pipes().acquire();
            if (!tee_pipe_) worker.pipes().release(std::move(pipe_));
        }
    }
    if (!pipe_ && !copy_buffer_) copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
    read();
}

void SocketToFile::read() {
    if (!pipe_) {
        auto n = std::min<uint64_t>(left_, kCopyBuffer);
        owner_.transport_->recv(owner_, Op::SocketRead, {copy_buffer_.get(), n}, 0);
        return;
    }
    // Only ever into an empty pipe: a pipe's capacity counts page slots, and socket
    // data may fill them with smaller pieces, so a second splice into a partly filled
    // pipe can block on a full one, where closing the socket cannot wake it.
    auto n = static_cast<unsigned>(std::min<uint64_t>(left_, pipe_->capacity));
    // The kernel runs every splice on one of its worker threads. Linked, that thread
    // reads, tees and writes in one go instead of returning here in between. The tee
    // and the write do not block: they take what the read brought (nothing, if it
    // failed) and never wait for more.
    IoRing& ring = owner_.worker_.ring();
    ring.reserve(3);
    io_uring_sqe* in = owner_.prepare(Op::SocketRead);
    io_uring_prep_splice(in, owner_.transport_->splice_in_fd(), -1, pipe_->write_end.get(), -1, n,
                         SPLICE_F_MOVE);
    in->flags |= IOSQE_IO_HARDLINK;
    if (tee_pipe_) {
        io_uring_sqe* tee = owner_.prepare(Op::Tee);
        io_uring_prep_tee(tee, pipe_->read_end.get(), tee_pipe_->write_end.get(), n,
                          SPLICE_F_NONBLOCK);
        tee->flags |= IOSQE_IO_HARDLINK;
    }
    io_uring_prep_splice(owner_.prepare(Op::FileWrite), pipe_->read_end.get(), -1, file_,
                         static_cast<int64_t>(write_at_), n, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    linked_out_ = true;
}

Step SocketToFile::on_socket_read(int res) {
    if (res <= 0 && linked_out_) {
        in_failure_ = res == 0 ? -ECONNRESET : res;
        return Step::Going; // the linked write comes back empty-handed; decide then
    }
    return read_done(res);
}

Step SocketToFile::read_done(int res) {
    if (res < 0 && pipe_ && fall_back_to_copy(res)) {
        note_copy_fallback("socket to pipe");
        read();
        return Step::Going;
    }
    if (res < 0) return fail(std::string("connection lost: ") + std::strerror(-res), false);
    if (res == 0) return fail("connection closed by the peer in the middle of a chunk", false);
    left_ -= static_cast<uint64_t>(res);
    buffered_ = static_cast<uint64_t>(res);
    buffer_pos_ = 0;
    if (linked_out_) return Step::Going;
    if (hash_) hasher_.update({copy_buffer_.get(), buffered_});
    write();
    return Step::Going;
}

void SocketToFile::on_tee(int res) {
    // Short or failed, the digest of what was teed will not match, and the chunk is
    // asked for again.
    if (res > 0) teed_ += static_cast<uint64_t>(res);
}

void SocketToFile::write() {
    if (pipe_) {
        io_uring_prep_splice(owner_.prepare(Op::FileWrite), pipe_->read_end.get(), -1, file_,
                             static_cast<int64_t>(write_at_), static_cast<unsigned>(buffered_),
                             SPLICE_F_MOVE);
    } else {
        io_uring_prep_write(owner_.prepare(Op::FileWrite), file_, copy_buffer_.get() + buffer_pos_,
                            static_cast<unsigned>(buffered_), write_at_);
    }
}

Step SocketToFile::on_file_write(int res) {
    if (std::exchange(linked_out_, false)) {
        if (in_failure_ != 0) return read_done(std::exchange(in_failure_, 0));
        // Would have blocked (the file system took less than the pipe held): the
        // rest goes out unlinked, allowed to wait.
        if (res == -EAGAIN) {
            write();
            return Step::Going;
        }
    }
    if (res == -EINVAL && pipe_) {
        // The file system refuses splice: move what is in the pipe by hand, once.
        copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
        ssize_t n = ::read(pipe_->read_end.get(), copy_buffer_.get(), buffered_);
        if (n != static_cast<ssize_t>(buffered_)) return fail("cannot drain pipe", true);
        // The tee, if there is one, already holds these bytes for the hash.
        bool teed = tee_pipe_ != nullptr;
        hash_teed();
        owner_.worker_.pipes().release(std::move(pipe_));
        owner_.worker_.pipes().release(std::move(tee_pipe_));
        teed_ = 0;
        note_copy_fallback("pipe to file");
        if (hash_ && !teed) hasher_.update({copy_buffer_.get(), buffered_});
        buffer_pos_ = 0;
        write();
        return Step::Going;
    }
    if (res <= 0) return fail(res == 0 ? "short write" : std::strerror(-res), true);
    write_at_ += static_cast<uint64_t>(res);
    buffered_ -= static_cast<uint64_t>(res);
    buffer_pos_ += static_cast<uint64_t>(res);
    if (buffered_ > 0) {
        write();
        return Step::Going;
    }
    hash_teed();
    if (left_ == 0) return Step::Done;
    read();
    return Step::Going;
}

bool SocketToFile::fall_back_to_copy(int res) {
    if (res != -EINVAL || buffered_ != 0) return false;
    owner_.worker_.pipes().release(std::move(pipe_));
    owner_.worker_.pipes().release(std::move(tee_pipe_));
    teed_ = 0;
    copy_buffer_ = std::make_unique<uint8_t[]>(kCopyBuffer);
    return true;
}

void SocketToFile::hash_teed() {
    // In pieces that stay in the core's cache; the pipe holds no more than was teed,
    // and RWF_NOWAIT makes sure a miscount cannot block this thread.
    auto buffer = owner_.worker_.scratch();
    while (teed_ > 0) {
        iovec io{buffer.data(), std::min<uint64_t>(buffer.size(), teed_)};
        ssize_t n = ::preadv2(tee_pipe_->read_end.get(), &io, 1, -1, RWF_NOWAIT);
        if (n <= 0) break;
        hasher_.update(buffer.first(static_cast<size_t>(n)));
        teed_ -= static_cast<uint64_t>(n);
    }
}

Step SocketToFile::fail(std::string why, bool file) {
    failure_ = std::move(why);
    file_failed_ = file;
    return Step::Failed;
}

} // namespace streamd

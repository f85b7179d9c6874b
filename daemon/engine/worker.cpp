#include "engine/worker.hpp"

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <system_error>

namespace streamd {

namespace {
constexpr unsigned kRingEntries = 1024;
constexpr size_t kMaxPipesPerWorker = 256;
// How long a lingering connection waits for its peer to close before it closes anyway.
constexpr std::chrono::seconds kLingerTimeout{5};

uint64_t worker_tag(Op op) {
    return CompletionTag{op}.encode();
}
} // namespace

Worker::Worker(WorkerEvents& events, unsigned index, WorkerSettings settings)
    : events_(events), index_(index), settings_(settings),
      pipes_(settings.pipe_size, kMaxPipesPerWorker), wake_fd_(::eventfd(0, EFD_CLOEXEC)) {
    if (!wake_fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Worker::~Worker() = default;

void Worker::post(Task task) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_.push_back(std::move(task));
    }
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_.get(), &one, sizeof one);
}

void Worker::stop() {
    stopping_ = true;
    for (size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i]) {
            slots_[i]->close();
            release_if_idle(*slots_[i]);
        }
    }
}

void Worker::listen(int fd) {
    listen_fd_ = fd;
    arm_accept();
}

void Worker::watch_signals(int fd) {
    signal_fd_ = fd;
    arm_signals();
}

void Worker::poll(int fd, short events) {
    io_uring_sqe* sqe = ring_->sqe();
    io_uring_prep_poll_add(sqe, fd, static_cast<unsigned>(events));
    sqe->user_data = worker_tag(Op::BusPoll);
}

void Worker::adopt(std::unique_ptr<Connection> c) {
    uint32_t slot;
    if (!free_slots_.empty()) {
        slot = free_slots_.back();
        free_slots_.pop_back();
    } else {
        slot = static_cast<uint32_t>(slots_.size());
        slots_.emplace_back();
        generations_.push_back(0);
    }
    c->slot_ = slot;
    c->generation_ = ++generations_[slot];
    Connection& ref = *c;
    slots_[slot] = std::move(c);
    ++live_;
    if (stopping_)
        ref.close();
    else
        ref.start();
    release_if_idle(ref);
}

void Worker::close_transfer(uint32_t transfer_id) {
    for (size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i] && slots_[i]->carries(transfer_id)) {
            slots_[i]->cancel();
            release_if_idle(*slots_[i]);
        }
    }
}

void Worker::transfer_accepted(uint32_t transfer_id) {
    for (auto& slot : slots_)
        if (slot && slot->carries(transfer_id)) slot->transfer_accepted();
}

void Worker::cancel_operations(Connection& c) {
    for (auto op = static_cast<uint8_t>(kFirstConnectionOp);
         op <= static_cast<uint8_t>(kLastConnectionOp); ++op) {
        io_uring_sqe* sqe = ring_->sqe();
        io_uring_prep_cancel64(sqe, tag(c, static_cast<Op>(op)), IORING_ASYNC_CANCEL_ALL);
        sqe->user_data = worker_tag(Op::Ignored);
    }
}

uint64_t Worker::tag(const Connection& c, Op op) const {
    return CompletionTag{op, c.slot_, c.generation_}.encode();
}

void Worker::release_if_idle(Connection& c) {
    if (!c.closing_ || c.inflight_ != 0) return;
    uint32_t slot = c.slot_;
    slots_[slot].reset();
    free_slots_.push_back(slot);
    --live_;
}

void Worker::arm_wake() {
    io_uring_sqe* sqe = ring_->sqe();
    io_uring_prep_read(sqe, wake_fd_.get(), &wake_value_, sizeof wake_value_, 0);
    sqe->user_data = worker_tag(Op::Wake);
}

void Worker::arm_accept() {
    io_uring_sqe* sqe = ring_->sqe();
    io_uring_prep_multishot_accept(sqe, listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    sqe->user_data = worker_tag(Op::Accept);
}

void Worker::arm_signals() {
    io_uring_sqe* sqe = ring_->sqe();
    io_uring_prep_read(sqe, signal_fd_, &signal_info_, sizeof signal_info_, 0);
    sqe->user_data = worker_tag(Op::Signal);
}

void Worker::arm_sweep() {
    io_uring_sqe* sqe = ring_->sqe();
    io_uring_prep_timeout(sqe, &sweep_interval_, 0, 0);
    sqe->user_data = worker_tag(Op::Sweep);
}

void Worker::sweep() {
    swept_at_.store(now_.time_since_epoch().count(), std::memory_order_relaxed);
    check_connections();
    events_.swept(*this, now_);
}

void Worker::check_connections() {
    for (auto& c : slots_) {
        if (!c || c->closing_) continue;
        if (c->lingering_since_) {
            if (now_ - *c->lingering_since_ >= kLingerTimeout) c->close();
        } else {
            c->check_time(now_);
        }
        release_if_idle(*c);
    }
}

void Worker::run_posted() {
    std::vector<Task> tasks;
    {
        std::lock_guard lock(posted_mutex_);
        tasks.swap(posted_);
    }
    for (auto& t : tasks)
        t(*this);
}

void Worker::dispatch(uint64_t user_data, int res, uint32_t flags) {
    const CompletionTag tag = CompletionTag::decode(user_data);
    switch (tag.op) {
    case Op::Wake:
        run_posted();
        if (!stopping_ || live_ > 0) arm_wake();
        return;
    case Op::Accept:
        if (res >= 0)
            events_.accepted(*this, UniqueFd(res));
        else if (res != -ECANCELED)
            spdlog::warn("accept failed: {}", std::strerror(-res));
        if (!(flags & IORING_CQE_F_MORE) && !stopping_) arm_accept();
        return;
    case Op::Signal:
        if (res == sizeof signal_info_) events_.signalled(static_cast<int>(signal_info_.ssi_signo));
        if (!stopping_) arm_signals();
        return;
    case Op::Sweep:
        sweep();
        if (!stopping_) arm_sweep();
        return;
    case Op::BusPoll:
        if (guest_) guest_->ready();
        return;
    case Op::Ignored:
        return;
    case Op::Connect:
    case Op::Handshake:
    case Op::Recv:
    case Op::Send:
    case Op::FileRead:
    case Op::SocketWrite:
    case Op::SocketRead:
    case Op::FileWrite:
    case Op::Drain:
    case Op::ChunkSync:
    case Op::CommitSync:
    case Op::Pause:
        return complete(tag, res);
    }
    spdlog::error("completion with an unknown operation {}", static_cast<int>(tag.op));
}

void Worker::complete(CompletionTag tag, int res) {
    Connection* c = tag.slot < slots_.size() ? slots_[tag.slot].get() : nullptr;
    if (!c || !tag.names(c->generation_)) {
        spdlog::error("completion for a connection that is gone (op {}, slot {})",
                      static_cast<int>(tag.op), tag.slot);
        return;
    }
    --c->inflight_;
    c->active_at_ = now_;
    if (!c->closing_) {
        try {
            c->complete(tag.op, res);
        } catch (const std::exception& e) {
            // One connection's trouble must not take the daemon down with it.
            spdlog::error("connection dropped after an internal error: {}", e.what());
            c->internal_error(e.what());
            c->close();
        }
    }
    release_if_idle(*c);
}

__kernel_timespec* Worker::wait_limit(__kernel_timespec& ts) const {
    if (!guest_) return nullptr;
    auto deadline = guest_->deadline();
    if (!deadline) return nullptr;
    auto left = std::max(Clock::duration::zero(), *deadline - Clock::now());
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    ts.tv_sec = ns / 1'000'000'000;
    ts.tv_nsec = ns % 1'000'000'000;
    return &ts;
}

void Worker::run() {
    ring_.emplace(kRingEntries);
    arm_wake();
    arm_sweep();
    events_.started(*this);
    io_uring* ring = ring_->get();
    while (!stopping_ || live_ > 0) {
        __kernel_timespec ts{};
        io_uring_cqe* cqe = nullptr;
        int rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, wait_limit(ts), nullptr);
        if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
            throw std::system_error(-rc, std::generic_category(), "io_uring_submit_and_wait");
        now_ = Clock::now();
        unsigned head, seen = 0;
        io_uring_for_each_cqe(ring, head, cqe) {
            dispatch(cqe->user_data, cqe->res, cqe->flags);
            ++seen;
        }
        io_uring_cq_advance(ring, seen);
        if (guest_) guest_->woke();
    }
}

} // namespace streamd

#include "engine/worker.hpp"

#include "daemon.hpp"

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
constexpr uint64_t kWakeTag = 0; // user_data 0 is never a connection or handler tag

// user_data layout: op (8 bits) | generation (24 bits) | slot (32 bits).
uint64_t encode(Op op, uint32_t generation, uint32_t slot) {
    return uint64_t{static_cast<uint8_t>(op)} << 56 | uint64_t{generation & 0xFFFFFF} << 32 | slot;
}
} // namespace

Worker::Worker(Daemon& daemon, unsigned index)
    : daemon_(daemon), index_(index), pipes_(daemon.config().engine.pipe_size, kMaxPipesPerWorker),
      wake_fd_(::eventfd(0, EFD_CLOEXEC)) {
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

void Worker::arm_sweep() {
    io_uring_sqe* sqe = ring_->sqe();
    io_uring_prep_timeout(sqe, &sweep_interval_, 0, 0);
    sqe->user_data = sweep_tag_;
}

void Worker::sweep() {
    swept_at_.store(now_.time_since_epoch().count(), std::memory_order_relaxed);
    const Config::Limits limits = daemon_.limits();
    for (auto& c : slots_) {
        if (!c || c->closing_) continue;
        c->check_time(now_, limits);
        release_if_idle(*c);
    }
    if (index_ == 0 && !stopping_) daemon_.tick(now_);
}

void Worker::cancel_operations(Connection& c) {
    for (Op op : {Op::Connect, Op::Recv, Op::Send, Op::DataIn, Op::DataOut, Op::Tee}) {
        io_uring_sqe* sqe = ring_->sqe();
        io_uring_prep_cancel64(sqe, tag(c, op), IORING_ASYNC_CANCEL_ALL);
        sqe->user_data = ignore_tag_;
    }
}

uint64_t Worker::tag(Connection& c, Op op) {
    return encode(op, c.generation_, c.slot_);
}

uint64_t Worker::handler_tag(Handler h) {
    handlers_.push_back(std::move(h));
    return encode(Op::Handler, 0, static_cast<uint32_t>(handlers_.size() - 1));
}

void Worker::set_timers(std::function<std::optional<Clock::time_point>()> deadline,
                        std::function<void()> after_wakeup) {
    deadline_ = std::move(deadline);
    after_wakeup_ = std::move(after_wakeup);
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
    sqe->user_data = kWakeTag;
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
    if (user_data == kWakeTag) {
        run_posted();
        if (!stopping_ || live_ > 0) arm_wake();
        return;
    }
    auto op = static_cast<Op>(user_data >> 56);
    auto slot = static_cast<uint32_t>(user_data);
    if (op == Op::Handler) {
        // Copy: the handler may register others and reallocate the vector.
        Handler h = handlers_[slot];
        h(res, flags);
        return;
    }
    auto generation = static_cast<uint32_t>(user_data >> 32) & 0xFFFFFF;
    Connection* c = slot < slots_.size() ? slots_[slot].get() : nullptr;
    if (!c || (c->generation_ & 0xFFFFFF) != generation) {
        spdlog::error("completion for a connection that is gone (op {}, slot {})",
                      static_cast<int>(op), slot);
        return;
    }
    --c->inflight_;
    c->active_at_ = now_;
    if (!c->closing_) {
        try {
            c->complete(op, res);
        } catch (const std::exception& e) {
            // One connection's trouble must not take the daemon down with it.
            spdlog::error("connection dropped after an internal error: {}", e.what());
            c->internal_error(e.what());
            c->close();
        }
    }
    release_if_idle(*c);
}

void Worker::run() {
    ring_.emplace(kRingEntries);
    ignore_tag_ = handler_tag([](int, uint32_t) {});
    sweep_tag_ = handler_tag([this](int, uint32_t) {
        sweep();
        if (!stopping_) arm_sweep();
    });
    arm_wake();
    arm_sweep();
    daemon_.worker_started(*this);
    io_uring* ring = ring_->get();
    while (!stopping_ || live_ > 0) {
        __kernel_timespec ts{};
        __kernel_timespec* timeout = nullptr;
        if (deadline_) {
            if (auto d = deadline_()) {
                auto left = std::max(Clock::duration::zero(), *d - Clock::now());
                auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
                ts.tv_sec = ns / 1'000'000'000;
                ts.tv_nsec = ns % 1'000'000'000;
                timeout = &ts;
            }
        }
        io_uring_cqe* cqe = nullptr;
        int rc = io_uring_submit_and_wait_timeout(ring, &cqe, 1, timeout, nullptr);
        if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
            throw std::system_error(-rc, std::generic_category(), "io_uring_submit_and_wait");
        now_ = Clock::now();
        unsigned head, seen = 0;
        io_uring_for_each_cqe(ring, head, cqe) {
            dispatch(cqe->user_data, cqe->res, cqe->flags);
            ++seen;
        }
        io_uring_cq_advance(ring, seen);
        if (after_wakeup_) after_wakeup_();
    }
}

} // namespace streamd

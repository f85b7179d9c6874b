// One thread, one io_uring ring, and the connections that live on it. Other threads
// reach a worker only through post(); nothing on the data path takes a lock.
#pragma once

#include "engine/connection.hpp"
#include "engine/io_ring.hpp"
#include "engine/splice_pipe.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace streamd {

class Daemon;

class Worker {
public:
    using Task = std::function<void(Worker&)>;
    using Handler = std::function<void(int res, uint32_t cqe_flags)>;
    using Clock = std::chrono::steady_clock;

    Worker(Daemon& daemon, unsigned index);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();

    // The thread body: returns after stop() once every connection is gone.
    void run();
    // Runs `task` on this worker's thread; callable from any thread.
    void post(Task task);
    // Closes every connection and leaves run() when they are gone.
    void stop();

    unsigned index() const { return index_; }
    Daemon& daemon() { return daemon_; }
    // When this worker's loop last ran its once-a-second sweep; read by worker 0 to tell
    // the service manager's watchdog that every loop still turns.
    Clock::time_point swept_at() const {
        return Clock::time_point(Clock::duration(swept_at_.load(std::memory_order_relaxed)));
    }
    IoRing& ring() { return *ring_; }
    SplicePipePool& pipes() { return pipes_; }
    // Room for reading file data back to hash it; one thread uses it at a time.
    std::span<uint8_t> scratch() { return {scratch_.get(), kScratchSize}; }

    // Hands what is queued to the kernel now, before this thread computes for a while.
    void submit_now() { io_uring_submit(ring_->get()); }

    void adopt(std::unique_ptr<Connection> c);
    // Asks the kernel to cancel every operation `c` has in flight.
    void cancel_operations(Connection& c);
    void close_transfer(uint32_t transfer_id);
    // user_data for an operation whose completion calls `h` (this thread only).
    uint64_t handler_tag(Handler h);

    // Worker 0 only: how long it may sleep, and what to do after each wake-up.
    void set_timers(std::function<std::optional<Clock::time_point>()> deadline,
                    std::function<void()> after_wakeup);

private:
    friend class Connection;
    uint64_t tag(Connection& c, Op op);
    void dispatch(uint64_t user_data, int res, uint32_t flags);
    void arm_wake();
    void arm_sweep();
    void sweep();
    void run_posted();
    void release_if_idle(Connection& c);

    Daemon& daemon_;
    const unsigned index_;
    std::optional<IoRing> ring_;
    SplicePipePool pipes_;
    static constexpr size_t kScratchSize = 256 * 1024; // stays in the core's L2
    std::unique_ptr<uint8_t[]> scratch_ = std::make_unique<uint8_t[]>(kScratchSize);

    std::vector<std::unique_ptr<Connection>> slots_;
    std::vector<uint32_t> generations_;
    std::vector<uint32_t> free_slots_;
    size_t live_ = 0;
    bool stopping_ = false;

    std::vector<Handler> handlers_;
    uint64_t ignore_tag_ = 0; // for completions nobody needs, such as cancellations
    uint64_t sweep_tag_ = 0;
    __kernel_timespec sweep_interval_{1, 0};
    std::atomic<Clock::rep> swept_at_{Clock::now().time_since_epoch().count()};
    // Read once per batch of completions: cheaper than once per completion, and fine
    // for timeouts counted in seconds.
    Clock::time_point now_ = Clock::now();

    UniqueFd wake_fd_;
    uint64_t wake_value_ = 0;
    std::mutex posted_mutex_;
    std::vector<Task> posted_;

    std::function<std::optional<Clock::time_point>()> deadline_;
    std::function<void()> after_wakeup_;
};

} // namespace streamd

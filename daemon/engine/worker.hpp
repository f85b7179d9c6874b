// One thread, one io_uring ring, and the connections that live on it. Other threads
// reach a worker only through post(); nothing on the data path takes a lock.
#pragma once

#include "engine/completion_tag.hpp"
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
#include <sys/signalfd.h>
#include <vector>

namespace streamd {

class Worker;

// What a worker tells whoever runs it; each call comes on the worker's own thread.
class WorkerEvents {
public:
    using Clock = std::chrono::steady_clock;

    // The ring exists: a worker may be given what to watch now.
    virtual void started(Worker& w) = 0;
    // A connection came in on the socket given to listen().
    virtual void accepted(Worker& w, UniqueFd socket) = 0;
    // About once a second, after the connections' own checks.
    virtual void swept(Worker& w, Clock::time_point now) = 0;
    // A signal arrived on the descriptor given to watch_signals().
    virtual void signalled(int signo) = 0;

protected:
    ~WorkerEvents() = default;
};

// Work with a descriptor and timeouts of its own (the bus connection), served on one
// worker's loop: the worker polls the descriptor, and wakes in time for the deadline.
class LoopGuest {
public:
    using Clock = std::chrono::steady_clock;

    // The descriptor given to Worker::poll() is ready.
    virtual void ready() = 0;
    virtual std::optional<Clock::time_point> deadline() const = 0;
    // After every batch of completions.
    virtual void woke() = 0;

protected:
    ~LoopGuest() = default;
};

struct WorkerSettings {
    size_t pipe_size = 1024 * 1024;
    // The kernel offers splice on io_uring; without it data is copied through buffers.
    bool use_splice = true;
};

class Worker {
public:
    using Task = std::function<void(Worker&)>;
    using Clock = std::chrono::steady_clock;

    Worker(WorkerEvents& events, unsigned index, WorkerSettings settings);
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;
    ~Worker();

    // The thread body: returns after stop() once every connection is gone.
    void run();
    // Runs `task` on this worker's thread; callable from any thread.
    void post(Task task);

    // This thread only, from here on (post() a task to reach it).
    // Closes every connection and leaves run() when they are gone.
    void stop();
    unsigned index() const { return index_; }
    bool use_splice() const { return settings_.use_splice; }
    // When this worker's loop last ran its once-a-second sweep; read by worker 0 to tell
    // the service manager's watchdog that every loop still turns.
    Clock::time_point swept_at() const {
        return Clock::time_point(Clock::duration(swept_at_.load(std::memory_order_relaxed)));
    }
    IoRing& ring() { return *ring_; }
    SplicePipePool& pipes() { return pipes_; }
    // Hands what is queued to the kernel now, before this thread computes for a while.
    void submit_now() { io_uring_submit(ring_->get()); }

    // Accepts connections on `fd` (multishot) and reports each with accepted().
    void listen(int fd);
    // Reads signals from a signalfd and reports each with signalled().
    void watch_signals(int fd);
    // Serves `guest` on this loop; it asks for its descriptor to be polled with poll().
    void host(LoopGuest& guest) { guest_ = &guest; }
    void poll(int fd, short events);

    void adopt(std::unique_ptr<Connection> c);
    // Any thread: the connections this worker holds now.
    size_t connections() const { return live_.load(std::memory_order_relaxed); }
    // Asks the kernel to cancel every operation `c` has in flight.
    void cancel_operations(Connection& c);
    // Each connection's check_time now, not at the next sweep: one may have to end.
    void check_connections();
    void close_transfer(uint32_t transfer_id);
    // Connection::transfer_accepted() of each connection carrying it.
    void transfer_accepted(uint32_t transfer_id);

private:
    friend class Connection;
    uint64_t tag(const Connection& c, Op op) const;
    void dispatch(uint64_t user_data, int res, uint32_t flags);
    void complete(CompletionTag tag, int res);
    void arm_wake();
    void arm_accept();
    void arm_signals();
    void arm_sweep();
    void sweep();
    void run_posted();
    void release_if_idle(Connection& c);
    __kernel_timespec* wait_limit(__kernel_timespec& ts) const;

    WorkerEvents& events_;
    const unsigned index_;
    const WorkerSettings settings_;
    std::optional<IoRing> ring_;
    SplicePipePool pipes_;

    std::vector<std::unique_ptr<Connection>> slots_;
    std::vector<uint32_t> generations_;
    std::vector<uint32_t> free_slots_;
    std::atomic<size_t> live_{0}; // read by other threads for /metrics
    bool stopping_ = false;

    int listen_fd_ = -1;
    int signal_fd_ = -1;
    signalfd_siginfo signal_info_{};
    LoopGuest* guest_ = nullptr;
    __kernel_timespec sweep_interval_{1, 0};
    std::atomic<Clock::rep> swept_at_{Clock::now().time_since_epoch().count()};
    // Read once per batch of completions: cheaper than once per completion, and fine
    // for timeouts counted in seconds.
    Clock::time_point now_ = Clock::now();

    UniqueFd wake_fd_;
    uint64_t wake_value_ = 0;
    std::mutex posted_mutex_;
    std::vector<Task> posted_;
};

} // namespace streamd

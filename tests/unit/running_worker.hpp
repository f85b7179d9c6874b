// A real Worker with its own ring on a thread of its own, real sockets, and waits that
// end when the awaited thing happens: the connections that run on a worker are tested
// as the daemon runs them, without a daemon.
#pragma once

#include "engine/worker.hpp"
#include "unique_fd.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <poll.h>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace streamd::harness {

// How long a test waits for something that should take milliseconds before it fails.
// Generous: the machine running the tests may be busy.
inline constexpr std::chrono::seconds kPatience{30};

[[noreturn]] inline void fail_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

class TestWorkerEvents final : public WorkerEvents {
public:
    using OnAccepted = std::function<void(Worker&, UniqueFd)>;
    explicit TestWorkerEvents(OnAccepted on_accepted) : on_accepted_(std::move(on_accepted)) {}

    void started(Worker&) override {}
    void accepted(Worker& w, UniqueFd socket) override {
        if (on_accepted_) on_accepted_(w, std::move(socket));
    }
    void swept(Worker&, Clock::time_point) override {}
    void signalled(int) override {}

private:
    OnAccepted on_accepted_;
};

// Runs Worker::run on a thread from construction; the destructor stops the worker from
// its own thread, as the daemon does, and joins.
class RunningWorker {
public:
    explicit RunningWorker(WorkerSettings settings = {},
                           TestWorkerEvents::OnAccepted on_accepted = {})
        : events_(std::move(on_accepted)), worker_(events_, 0, settings), thread_([this] {
              try {
                  worker_.run();
              } catch (const std::exception& e) {
                  ADD_FAILURE() << "Worker::run: " << e.what();
                  std::lock_guard lock(mutex_);
                  run_failed_ = true;
                  barrier_cv_.notify_all();
              }
          }) {}
    RunningWorker(const RunningWorker&) = delete;
    RunningWorker& operator=(const RunningWorker&) = delete;
    ~RunningWorker() { stop(); }

    // Runs `task` on the worker's thread.
    void post(Worker::Task task) { worker_.post(std::move(task)); }

    // True once the worker has run every task posted before this one: what it did until
    // then (a hand-over, a close) is seen by the caller from here on.
    bool settle() {
        auto done = std::make_shared<bool>(false);
        post([this, done](Worker&) {
            std::lock_guard lock(mutex_);
            *done = true;
            barrier_cv_.notify_all();
        });
        std::unique_lock lock(mutex_);
        return barrier_cv_.wait_for(lock, kPatience, [&] { return *done || run_failed_; }) && *done;
    }

    void stop() {
        if (!thread_.joinable()) return;
        post([](Worker& w) { w.stop(); });
        thread_.join();
    }

private:
    TestWorkerEvents events_;
    Worker worker_;
    std::mutex mutex_;
    std::condition_variable barrier_cv_;
    bool run_failed_ = false;
    std::thread thread_; // last: starts once everything above exists
};

inline std::pair<UniqueFd, UniqueFd> unix_pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) fail_errno("socketpair");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// A TCP socket listening on 127.0.0.1, on a port the kernel picks.
inline UniqueFd loopback_listener() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) fail_errno("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) fail_errno("bind");
    if (::listen(fd.get(), 16) != 0) fail_errno("listen");
    return fd;
}

inline uint16_t local_port(int fd) {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) fail_errno("getsockname");
    return ntohs(addr.sin_port);
}

inline UniqueFd connect_to(uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) fail_errno("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        fail_errno("connect");
    return fd;
}

// Both ends of a TCP connection over loopback: the one that connected, the one accepted.
inline std::pair<UniqueFd, UniqueFd> tcp_pair() {
    UniqueFd listener = loopback_listener();
    UniqueFd client = connect_to(local_port(listener.get()));
    UniqueFd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!server) fail_errno("accept4");
    return {std::move(client), std::move(server)};
}

// Waits at most kPatience for `fd` to be readable (or writable); false if it never is.
inline bool wait_ready(int fd, short events) {
    pollfd p{fd, events, 0};
    int rc;
    do {
        rc = ::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count()));
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
}

// Sends all of `bytes`; false when the socket stays full for kPatience or fails.
inline bool send_all(int fd, std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
        if (!wait_ready(fd, POLLOUT)) return false;
        ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return false;
        bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return true;
}

inline bool send_all(int fd, std::string_view text) {
    return send_all(fd, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
}

// Exactly `n` bytes, or what came before the peer closed, failed or stayed silent for
// kPatience (then fewer).
inline std::vector<uint8_t> receive(int fd, size_t n) {
    std::vector<uint8_t> got(n);
    size_t have = 0;
    while (have < n) {
        if (!wait_ready(fd, POLLIN)) break;
        ssize_t r = ::recv(fd, got.data() + have, n - have, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (r <= 0) break;
        have += static_cast<size_t>(r);
    }
    got.resize(have);
    return got;
}

// True when the peer has closed (or shut down its sending side) and nothing was left
// to read before that; false on data, or silence for kPatience.
inline bool reads_end(int fd) {
    for (;;) {
        if (!wait_ready(fd, POLLIN)) return false;
        uint8_t byte;
        ssize_t r = ::recv(fd, &byte, 1, MSG_DONTWAIT);
        if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        // A reset is a close too, for a socket closed with data unread.
        return r == 0 || (r < 0 && errno == ECONNRESET);
    }
}

// Whatever is readable on `fd` now, without waiting.
inline std::vector<uint8_t> receive_now(int fd) {
    std::vector<uint8_t> got(64 * 1024);
    ssize_t r = ::recv(fd, got.data(), got.size(), MSG_DONTWAIT);
    got.resize(r > 0 ? static_cast<size_t>(r) : 0);
    return got;
}

inline std::vector<uint8_t> bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

} // namespace streamd::harness

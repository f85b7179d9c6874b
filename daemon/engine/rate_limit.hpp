// A limit on bytes per second shared by every stream that goes through it, on any
// worker: a token bucket kept as the virtual time at which the bytes promised so far
// will have been sent at the rate (GCRA). A sender asks before each piece how long to
// wait; waits add up so that, over any stretch longer than the burst, the rate holds.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

namespace streamd {

class RateLimit {
public:
    using Clock = std::chrono::steady_clock;
    // Bytes the senders did not send when they could (a pause, TCP still starting up on a
    // long link, a loss) may follow at once, up to this much time's worth at the rate:
    // enough to make up for a start over 100 ms of round trip, short enough not to
    // flood a link after a pause.
    static constexpr Clock::duration kBurst = std::chrono::milliseconds(250);

    explicit RateLimit(uint64_t bytes_per_second = 0) : rate_(bytes_per_second) {}

    // 0: no limit. Takes effect from the next piece.
    void set_rate(uint64_t bytes_per_second) {
        rate_.store(bytes_per_second, std::memory_order_relaxed);
    }
    uint64_t rate() const { return rate_.load(std::memory_order_relaxed); }

    // Counts `bytes` about to be sent and says how long to wait before sending them
    // (zero without a limit).
    Clock::duration reserve(uint64_t bytes, Clock::time_point now = Clock::now());

    // Pieces no larger than this keep the pacing smooth (20 ms at the rate), within
    // what a pipe holds: `largest` without a limit.
    uint64_t piece(uint64_t largest) const;

private:
    // Read without the lock, so that no limit costs nothing on the data path.
    std::atomic<uint64_t> rate_;
    std::mutex mutex_;
    Clock::time_point sent_until_{}; // when the bytes reserved so far are out, at the rate
};

} // namespace streamd

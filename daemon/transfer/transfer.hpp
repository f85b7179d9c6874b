// What every transfer shares, in either direction: identity, progress and outcome.
// Written by the worker threads that carry its streams, read by the control thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace streamd {

// In the order a transfer goes through them; the last three are final.
enum class TransferState : uint8_t {
    Queued,
    Connecting,
    Running,
    Verifying,
    Done,
    Failed,
    Canceled
};
enum class Direction : uint8_t { In, Out };
// Why a transfer failed, in the few kinds an operator tells apart (docs/METRICS.md).
enum class Failure : uint8_t {
    Connection,     // no connection, or it was lost, stalled or replaced
    Refused,        // the other end refused the transfer or gave it up
    Authentication, // a key missing or wrong, or encryption required and not possible
    Protocol,       // one end broke the protocol
    Verification,   // data failed its digest more often than a resend mends
    Storage,        // the receiving end could not write, or had no room
    Source,         // the file to send could not be read, or changed
    Other,
};
inline constexpr size_t kFailureKinds = static_cast<size_t>(Failure::Other) + 1;

const char* to_string(TransferState s);
const char* to_string(Failure f);

// Wall-clock time as streamd reports it on D-Bus: microseconds since the Unix epoch.
inline uint64_t now_us() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}
inline const char* to_string(Direction d) {
    return d == Direction::In ? "in" : "out";
}

class Transfer {
public:
    Transfer(uint32_t id, Direction direction, std::string name, std::string peer, uint64_t size,
             unsigned streams, uint32_t chunk_size, TransferState initial)
        : id_(id), direction_(direction), name_(std::move(name)), peer_(std::move(peer)),
          size_(size), streams_(streams), chunk_size_(chunk_size), state_(initial),
          started_at_(initial == TransferState::Queued ? 0 : created_at_) {}
    virtual ~Transfer() = default;
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;

    uint32_t id() const { return id_; }
    Direction direction() const { return direction_; }
    const std::string& name() const { return name_; }
    const std::string& peer() const { return peer_; }
    uint64_t size() const { return size_; }
    unsigned streams() const { return streams_; }
    uint32_t chunk_size() const { return chunk_size_; }

    // Files it carries (a folder's, empty ones too), and those of them complete.
    virtual uint32_t files() const { return 1; }
    virtual uint32_t files_done() const { return state() == TransferState::Done ? 1 : 0; }
    // What of a folder its sender left out, and why; set before the transfer is published.
    struct Skipped {
        std::string path;
        std::string reason;
    };
    const std::vector<Skipped>& skipped() const { return skipped_; }
    void set_skipped(std::vector<Skipped> skipped) { skipped_ = std::move(skipped); }

    TransferState state() const { return state_.load(std::memory_order_acquire); }
    uint64_t bytes_done() const { return bytes_done_.load(std::memory_order_relaxed); }
    bool finished() const { return is_final(state()); }
    static bool is_final(TransferState s) { return s >= TransferState::Done; }
    std::string error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }
    // Of a failed transfer.
    Failure failure() const {
        std::lock_guard lock(mutex_);
        return failure_;
    }
    std::string stored_name() const {
        std::lock_guard lock(mutex_);
        return stored_name_;
    }
    // How its bytes cross the wire: "none", or for example "TLS1.3 AES-256-GCM, user
    // space"; set by its streams as they start.
    std::string encryption() const {
        std::lock_guard lock(mutex_);
        return encryption_;
    }
    void set_encryption(std::string how) {
        std::lock_guard lock(mutex_);
        encryption_ = std::move(how);
    }
    // Microseconds since the Unix epoch; started_at() is 0 while queued, finished_at()
    // until the transfer ends.
    uint64_t created_at() const { return created_at_; }
    uint64_t started_at() const { return started_at_.load(std::memory_order_acquire); }
    uint64_t finished_at() const { return finished_at_.load(std::memory_order_acquire); }

    // Called once, on whichever thread ends the transfer, after its final state is set.
    void on_end(std::function<void(Transfer&)> f) { on_end_ = std::move(f); }

    void add_bytes(uint64_t n) { bytes_done_.fetch_add(n, std::memory_order_relaxed); }
    void set_bytes(uint64_t n) { bytes_done_.store(n, std::memory_order_relaxed); }

    // Each of its streams asks about once a second, with the moment its own I/O last
    // completed: true when the transfer runs and none of its streams has moved for
    // `limit` seconds (0: never). Pooled over the streams, so that an idle stream is not
    // taken for a stalled transfer while a sibling carries a long chunk.
    bool stalled(std::chrono::steady_clock::time_point now,
                 std::chrono::steady_clock::time_point stream_active_at, uint64_t limit) {
        if (finished() || limit == 0) return false;
        auto ticks = stream_active_at.time_since_epoch().count();
        auto seen = active_at_.load(std::memory_order_relaxed);
        while (seen < ticks &&
               !active_at_.compare_exchange_weak(seen, ticks, std::memory_order_relaxed)) {
        }
        return now.time_since_epoch().count() - std::max(seen, ticks) >=
               std::chrono::steady_clock::duration(std::chrono::seconds(limit)).count();
    }
    // Moves forward only; a finished transfer stays as it ended.
    void advance(TransferState s);
    void succeed(std::string stored_name);
    // The first failure is the one reported; returns false when already finished.
    bool fail(Failure kind, std::string reason);
    // As fail(), ending in Canceled.
    bool cancel(std::string reason);

private:
    bool end(TransferState final_state, std::string reason, Failure kind = Failure::Other);

    const uint32_t id_;
    const Direction direction_;
    const std::string name_;
    const std::string peer_;
    const uint64_t size_;
    const unsigned streams_;
    const uint32_t chunk_size_;

    const uint64_t created_at_ = now_us();
    std::atomic<TransferState> state_;
    std::atomic<uint64_t> bytes_done_{0};
    std::atomic<uint64_t> started_at_;
    std::atomic<uint64_t> finished_at_{0};
    std::function<void(Transfer&)> on_end_;
    std::atomic<std::chrono::steady_clock::rep> active_at_{
        std::chrono::steady_clock::now().time_since_epoch().count()};
    mutable std::mutex mutex_; // guards the strings below and finishing
    std::string error_;
    Failure failure_ = Failure::Other;
    std::string stored_name_;
    std::string encryption_ = "none";
    std::vector<Skipped> skipped_;
};

} // namespace streamd

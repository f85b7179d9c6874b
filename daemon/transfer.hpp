// What every transfer shares, in either direction: identity, progress and outcome.
// Written by the worker threads that carry its streams, read by the control thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace streamd {

enum class TransferState : uint8_t { Connecting, Running, Verifying, Done, Failed };
enum class Direction : uint8_t { In, Out };

const char* to_string(TransferState s);
inline const char* to_string(Direction d) {
    return d == Direction::In ? "in" : "out";
}

class Transfer {
public:
    Transfer(uint32_t id, Direction direction, std::string name, std::string peer, uint64_t size,
             unsigned streams, uint32_t chunk_size)
        : id_(id), direction_(direction), name_(std::move(name)), peer_(std::move(peer)),
          size_(size), streams_(streams), chunk_size_(chunk_size) {}
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

    TransferState state() const { return state_.load(std::memory_order_acquire); }
    uint64_t bytes_done() const { return bytes_done_.load(std::memory_order_relaxed); }
    bool finished() const {
        auto s = state();
        return s == TransferState::Done || s == TransferState::Failed;
    }
    std::string error() const {
        std::lock_guard lock(mutex_);
        return error_;
    }
    std::string stored_name() const {
        std::lock_guard lock(mutex_);
        return stored_name_;
    }
    // Microseconds since the Unix epoch; finished_at() is 0 until the transfer ends.
    uint64_t created_at() const { return created_at_; }
    uint64_t finished_at() const { return finished_at_.load(std::memory_order_acquire); }

    void add_bytes(uint64_t n) { bytes_done_.fetch_add(n, std::memory_order_relaxed); }
    // Moves forward only; a finished transfer stays as it ended.
    void advance(TransferState s);
    void succeed(std::string stored_name);
    // The first failure is the one reported; returns false when already finished.
    bool fail(std::string reason);

private:
    static uint64_t now_us() {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
    }

    const uint32_t id_;
    const Direction direction_;
    const std::string name_;
    const std::string peer_;
    const uint64_t size_;
    const unsigned streams_;
    const uint32_t chunk_size_;

    std::atomic<TransferState> state_{TransferState::Connecting};
    std::atomic<uint64_t> bytes_done_{0};
    const uint64_t created_at_ = now_us();
    std::atomic<uint64_t> finished_at_{0};
    mutable std::mutex mutex_; // guards the strings below and finishing
    std::string error_;
    std::string stored_name_;
};

} // namespace streamd

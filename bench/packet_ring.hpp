// The packets of one direction of bench/delay_line waiting for their release time.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

namespace streamd::bench {

// A FIFO of packets in fixed-size slots. At 1 Gbit/s a direction moves ~83k packets a second,
// too many to allocate one by one, so slots are reused; the ring doubles when it is full, up to
// `max_slots`, so that its memory follows the largest backlog seen rather than the bound.
class PacketRing {
public:
    PacketRing(std::size_t slot_bytes, std::size_t max_slots)
        : slot_bytes_(slot_bytes), max_slots_(std::max<std::size_t>(max_slots, 1)) {
        grow(std::min<std::size_t>(max_slots_, 1024));
    }

    std::size_t slot_bytes() const { return slot_bytes_; }
    bool empty() const { return count_ == 0; }

    // Where the next packet is to be read to, or nullptr when the ring is at its bound.
    std::byte* reserve() {
        if (count_ == due_.size()) {
            if (count_ == max_slots_) return nullptr;
            grow(std::min(max_slots_, 2 * count_));
        }
        return slot((head_ + count_) % due_.size());
    }
    // Queues the packet that was just read to reserve()'s slot.
    void commit(std::uint32_t length, std::int64_t due_ns) {
        std::size_t tail = (head_ + count_) % due_.size();
        due_[tail] = due_ns;
        length_[tail] = length;
        ++count_;
    }

    std::int64_t front_due() const { return due_[head_]; }
    std::span<const std::byte> front() const { return {slot(head_), length_[head_]}; }
    void pop() {
        head_ = (head_ + 1) % due_.size();
        --count_;
    }

private:
    std::byte* slot(std::size_t i) const { return data_.get() + i * slot_bytes_; }

    // Rare, and never while a packet is being handled: only reserve() grows.
    void grow(std::size_t slots) {
        // Left uninitialised so that the kernel maps pages only as slots are first used.
        auto data = std::make_unique_for_overwrite<std::byte[]>(slots * slot_bytes_);
        std::vector<std::int64_t> due(slots);
        std::vector<std::uint32_t> length(slots);
        for (std::size_t i = 0; i < count_; ++i) {
            std::size_t from = (head_ + i) % due_.size();
            std::memcpy(data.get() + i * slot_bytes_, slot(from), length_[from]);
            due[i] = due_[from];
            length[i] = length_[from];
        }
        data_ = std::move(data);
        due_ = std::move(due);
        length_ = std::move(length);
        head_ = 0;
    }

    std::size_t slot_bytes_;
    std::size_t max_slots_;
    std::unique_ptr<std::byte[]> data_;
    std::vector<std::int64_t> due_; // CLOCK_MONOTONIC nanoseconds
    std::vector<std::uint32_t> length_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

} // namespace streamd::bench

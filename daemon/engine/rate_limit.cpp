#include "engine/rate_limit.hpp"

#include <algorithm>

namespace streamd {

namespace {
constexpr uint64_t kSmallestPiece = 16 * 1024;
} // namespace

RateLimit::Clock::duration RateLimit::reserve(uint64_t bytes, Clock::time_point now) {
    const uint64_t rate = this->rate();
    if (rate == 0) return {};
    std::lock_guard lock(mutex_);
    // A new limit owes nothing and has saved nothing; one that was idle has saved at
    // most the burst.
    if (sent_until_ == Clock::time_point{}) sent_until_ = now;
    const Clock::time_point start = std::max(sent_until_, now - kBurst);
    const auto takes = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(static_cast<double>(bytes) / static_cast<double>(rate)));
    sent_until_ = start + takes;
    // Sent at `start`, the piece would run ahead by what it takes; it waits for the part
    // of that beyond the burst.
    return std::max(Clock::duration::zero(), sent_until_ - now - kBurst);
}

uint64_t RateLimit::piece(uint64_t largest) const {
    const uint64_t rate = this->rate();
    if (rate == 0) return largest;
    return std::clamp<uint64_t>(rate / 50, std::min(kSmallestPiece, largest), largest);
}

} // namespace streamd

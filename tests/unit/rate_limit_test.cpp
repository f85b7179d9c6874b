// The token bucket behind max_rate and --rate, on a clock the test moves: a sender that
// waits as told sends at the rate, credit saved while idle is capped, and a change of
// rate holds from the next piece.
#include "engine/rate_limit.hpp"

#include <gtest/gtest.h>

namespace streamd {
namespace {

using Clock = RateLimit::Clock;

// Sends `total` bytes in pieces of `piece` through `limit` from `start`, waiting as it
// says; returns when the last piece went.
Clock::time_point send(RateLimit& limit, uint64_t total, uint64_t piece, Clock::time_point start) {
    Clock::time_point now = start;
    for (uint64_t sent = 0; sent < total; sent += piece)
        now += limit.reserve(piece, now);
    return now;
}

TEST(RateLimit, WithoutALimitNothingWaits) {
    RateLimit limit;
    EXPECT_EQ(limit.reserve(1 << 30, Clock::now()), Clock::duration::zero());
    EXPECT_EQ(limit.piece(1 << 20), 1U << 20);
}

TEST(RateLimit, ASenderThatWaitsAsToldSendsAtTheRate) {
    RateLimit limit(1 << 20); // 1 MiB/s
    const Clock::time_point start{};
    // 64 MiB in 16 KiB pieces: 64 s at the rate; the last piece leaves one burst before
    // all of it would be out.
    const auto took = send(limit, 64 << 20, 16 << 10, start) - start;
    EXPECT_EQ(took, std::chrono::seconds(64) - RateLimit::kBurst);
}

TEST(RateLimit, ANewLimitHasSavedNothing) {
    RateLimit limit(1 << 20);
    const Clock::time_point start = Clock::now();
    const auto took = send(limit, 1 << 20, 1 << 16, start) - start;
    EXPECT_EQ(took, std::chrono::seconds(1) - RateLimit::kBurst);
}

TEST(RateLimit, CreditSavedWhileIdleIsCappedAtTheBurst) {
    RateLimit limit(1 << 20);
    const Clock::time_point start{};
    send(limit, 1 << 20, 1 << 16, start);
    // An hour later, a second MiB is not free: one burst of it is.
    const Clock::time_point later = start + std::chrono::hours(1);
    const auto took = send(limit, 1 << 20, 1 << 16, later) - later;
    EXPECT_EQ(took, std::chrono::seconds(1) - 2 * RateLimit::kBurst);
}

TEST(RateLimit, ANewRateHoldsFromTheNextPiece) {
    RateLimit limit(1 << 20);
    const Clock::time_point start{};
    const auto at = send(limit, 1 << 20, 1 << 16, start);
    limit.set_rate(4 << 20);
    const auto faster = send(limit, 4 << 20, 1 << 16, at) - at;
    EXPECT_EQ(faster, std::chrono::seconds(1));
    limit.set_rate(0);
    EXPECT_EQ(limit.reserve(1 << 30, at + faster), Clock::duration::zero());
}

TEST(RateLimit, PiecesAreTwentyMillisecondsAtTheRateWithinBounds) {
    EXPECT_EQ(RateLimit(50 << 20).piece(1 << 20), 1U << 20); // 1 MiB in 20 ms
    EXPECT_EQ(RateLimit(5 << 20).piece(1 << 20), (5U << 20) / 50);
    EXPECT_EQ(RateLimit(64 << 10).piece(1 << 20), 16U << 10); // never below 16 KiB
    EXPECT_EQ(RateLimit(64 << 10).piece(4096), 4096U);
}

} // namespace
} // namespace streamd

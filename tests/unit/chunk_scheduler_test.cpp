// The scheduler decides what the sender still sends: a chunk handed out twice is sent
// twice (and is a protocol error at the receiver), a chunk never handed out leaves the
// transfer unable to finish.
#include "transfer/chunk_scheduler.hpp"

#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace streamd {
namespace {

using proto::Range;

constexpr uint32_t kChunk = 64 * 1024;

// Everything the scheduler hands out, in order, until it says there is nothing left.
std::vector<uint64_t> drain(ChunkScheduler& s) {
    std::vector<uint64_t> out;
    while (auto i = s.next()) {
        out.push_back(*i);
        // A broken scheduler must fail the test rather than hang it.
        if (out.size() > s.total() + 1) break;
    }
    return out;
}

std::vector<uint64_t> iota(uint64_t first, uint64_t end) {
    std::vector<uint64_t> v;
    for (uint64_t i = first; i < end; ++i)
        v.push_back(i);
    return v;
}

std::vector<uint64_t> sorted(std::vector<uint64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
}

TEST(ChunkScheduler, FullRangeYieldsEveryChunkOnce) {
    const uint64_t size = 10 * uint64_t{kChunk};
    const std::vector<Range> missing{{0, size}};
    ChunkScheduler s(size, kChunk, missing);
    EXPECT_EQ(s.total(), 10u);
    EXPECT_EQ(sorted(drain(s)), iota(0, 10));
}

TEST(ChunkScheduler, StaysExhausted) {
    const std::vector<Range> missing{{0, 3 * uint64_t{kChunk}}};
    ChunkScheduler s(3 * uint64_t{kChunk}, kChunk, missing);
    EXPECT_EQ(drain(s).size(), 3u);
    for (int i = 0; i < 1000; ++i)
        ASSERT_EQ(s.next(), std::nullopt) << "call " << i << " after the end";
    EXPECT_EQ(s.total(), 3u);
}

TEST(ChunkScheduler, IncludesTheShortLastChunk) {
    const uint64_t size = 3 * uint64_t{kChunk} + 1;
    const std::vector<Range> all{{0, size}};
    ChunkScheduler whole(size, kChunk, all);
    EXPECT_EQ(whole.total(), 4u);
    EXPECT_EQ(sorted(drain(whole)), iota(0, 4));

    const std::vector<Range> tail{{3 * uint64_t{kChunk}, 1}};
    ChunkScheduler last(size, kChunk, tail);
    EXPECT_EQ(last.total(), 1u);
    EXPECT_EQ(drain(last), std::vector<uint64_t>{3});

    const std::vector<Range> two{{2 * uint64_t{kChunk}, uint64_t{kChunk} + 1}};
    ChunkScheduler end(size, kChunk, two);
    EXPECT_EQ(sorted(drain(end)), iota(2, 4));
}

TEST(ChunkScheduler, FileSmallerThanOneChunk) {
    const std::vector<Range> missing{{0, 100}};
    ChunkScheduler s(100, kChunk, missing);
    EXPECT_EQ(s.total(), 1u);
    EXPECT_EQ(drain(s), std::vector<uint64_t>{0});
}

TEST(ChunkScheduler, MergesUnsortedOverlappingRanges) {
    const uint64_t c = kChunk;
    const uint64_t size = 10 * c;
    const std::vector<Range> missing{
        {5 * c, 3 * c}, // 5, 6, 7
        {0, 2 * c},     // 0, 1
        {6 * c, 2 * c}, // 6, 7 again
        {c, c},         // 1 again
        {5 * c, c},     // 5 again
        {0, c},         // 0 again
    };
    ChunkScheduler s(size, kChunk, missing);
    EXPECT_EQ(s.total(), 5u);
    std::vector<uint64_t> got = drain(s);
    EXPECT_EQ(got.size(), 5u) << "a chunk was handed out twice";
    EXPECT_EQ(sorted(got), (std::vector<uint64_t>{0, 1, 5, 6, 7}));
}

TEST(ChunkScheduler, MergesAdjacentAndDuplicateRanges) {
    const uint64_t c = kChunk;
    const uint64_t size = 8 * c + 10;
    const std::vector<Range> missing{
        {8 * c, 10}, {2 * c, 2 * c}, {4 * c, 2 * c}, {2 * c, 2 * c}, {8 * c, 10}, {0, c},
    };
    ChunkScheduler s(size, kChunk, missing);
    EXPECT_EQ(s.total(), 6u);
    EXPECT_EQ(sorted(drain(s)), (std::vector<uint64_t>{0, 2, 3, 4, 5, 8}));
}

TEST(ChunkScheduler, EmptyFileHasNothingToSend) {
    ChunkScheduler s(0, kChunk, {});
    EXPECT_EQ(s.total(), 0u);
    EXPECT_EQ(s.next(), std::nullopt);
    EXPECT_EQ(s.next(), std::nullopt);
}

TEST(ChunkScheduler, NoMissingRangesMeansNothingToSend) {
    // A receiver that already has every chunk reports no ranges.
    ChunkScheduler s(100 * uint64_t{kChunk}, kChunk, {});
    EXPECT_EQ(s.total(), 0u);
    EXPECT_EQ(s.next(), std::nullopt);
}

TEST(ChunkScheduler, LargeChunks) {
    const uint32_t chunk = 256 * 1024 * 1024;
    const uint64_t size = 5 * uint64_t{chunk} + 12345;
    const std::vector<Range> missing{{uint64_t{chunk}, size - chunk}};
    ChunkScheduler s(size, chunk, missing);
    EXPECT_EQ(s.total(), 5u);
    EXPECT_EQ(sorted(drain(s)), iota(1, 6));
}

TEST(ChunkScheduler, ConcurrentPullsHandOutEveryChunkOnce) {
    const uint64_t count = 100'000;
    const uint64_t size = count * kChunk - 17; // the last chunk is short
    const std::vector<Range> missing{{0, size}};
    ChunkScheduler s(size, kChunk, missing);
    ASSERT_EQ(s.total(), count);

    constexpr int kThreads = 4;
    std::vector<std::vector<uint64_t>> pulled(kThreads);
    {
        std::vector<std::jthread> threads;
        for (auto& mine : pulled)
            threads.emplace_back([&s, &mine] {
                while (auto i = s.next())
                    mine.push_back(*i);
            });
    }

    std::vector<uint64_t> all;
    for (const auto& mine : pulled)
        all.insert(all.end(), mine.begin(), mine.end());
    EXPECT_EQ(all.size(), count);
    std::sort(all.begin(), all.end());
    EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end()) << "a chunk was pulled twice";
    // Sorted, without duplicates and as many as there are: every index once.
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(all.front(), 0u);
    EXPECT_EQ(all.back(), count - 1);
    EXPECT_EQ(s.next(), std::nullopt);
}

} // namespace
} // namespace streamd

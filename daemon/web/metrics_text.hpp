// GET /metrics: the daemon's counters in Prometheus' text format (version 0.0.4), from a
// snapshot taken at the request. Pure: the snapshot in, the text out.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>

namespace streamd {

struct MetricsSnapshot {
    // Upper bounds, in seconds, of the duration histogram's buckets; +Inf follows.
    static constexpr std::array<double, 10> kDurationBuckets = {0.1, 0.5, 1,   5,    10,
                                                                30,  60,  300, 1800, 3600};
    struct Direction {
        uint64_t bytes = 0;
        uint64_t queued = 0, running = 0;
        uint64_t done = 0, failed = 0, canceled = 0;
    };
    Direction in, out;
    std::map<std::string, uint64_t> errors; // failed transfers by reason
    uint64_t connections = 0;
    // Transfers that ended done: how many took at most each bucket's bound, and in all.
    std::array<uint64_t, kDurationBuckets.size()> duration_counts{};
    uint64_t duration_count = 0;
    double duration_sum = 0; // seconds
    double started_at = 0;   // seconds since the Unix epoch
    std::string version;
};

std::string metrics_text(const MetricsSnapshot& m);

} // namespace streamd

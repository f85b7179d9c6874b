// What the daemon has moved since it started and what it is moving now, counted over the
// transfers it knows and those it has already forgotten: D-Bus's totals and /metrics.
#pragma once

#include "transfer/transfer.hpp"

#include <array>
#include <cstdint>

namespace streamd {

// The D-Bus Manager's statistics (docs/DBUS.md).
struct Totals {
    uint64_t bytes_in = 0;
    uint64_t bytes_out = 0;
    uint32_t done = 0;
    uint32_t failed = 0;
    uint32_t canceled = 0;
    uint32_t active_in = 0;
    uint32_t active_out = 0;
    uint32_t queued = 0;
    bool operator==(const Totals&) const = default;
};

struct TransferStats {
    // Upper bounds, in seconds, of the duration histogram's buckets (+Inf follows): from
    // a small file on a LAN to a large one over a slow link.
    static constexpr std::array<double, 10> kDurationBuckets = {0.1, 0.5, 1,   5,    10,
                                                                30,  60,  300, 1800, 3600};
    struct Side {
        uint64_t bytes = 0;
        uint64_t queued = 0, active = 0;
        uint64_t done = 0, failed = 0, canceled = 0;
        // Of the transfers that ended done: how many took at most each bound, and the
        // seconds they took in all.
        std::array<uint64_t, kDurationBuckets.size()> done_within{};
        double done_seconds = 0;
    };
    Side in, out;
    std::array<uint64_t, kFailureKinds> failures{}; // failed transfers by Failure

    void count(const Transfer& t);
    Totals totals() const;
};

} // namespace streamd

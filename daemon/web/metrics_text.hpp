// GET /metrics (docs/METRICS.md): the daemon's counters in Prometheus' text format,
// version 0.0.4, from a snapshot taken at the request. Pure: the snapshot in, the text
// out.
#pragma once

#include "transfer/transfer_stats.hpp"

#include <cstdint>
#include <string>

namespace streamd {

struct MetricsSnapshot {
    TransferStats transfers;
    uint64_t connections = 0; // open now, accepted and made
    double started_at = 0;    // seconds since the Unix epoch
    std::string version;
};

// Whoever runs the web side takes the snapshot.
class MetricsSource {
public:
    virtual MetricsSnapshot metrics() const = 0;

protected:
    ~MetricsSource() = default;
};

std::string metrics_text(const MetricsSnapshot& m);

} // namespace streamd

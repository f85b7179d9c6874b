#include "web/metrics_text.hpp"

#include <fmt/format.h>
#include <iterator>
#include <utility>

namespace streamd {

namespace {

template <typename... Args>
void add(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}

void family(std::string& out, const char* name, const char* type, const char* help) {
    add(out, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// A label value as the format wants it: backslash, quote and newline escaped.
std::string label(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

} // namespace

std::string metrics_text(const MetricsSnapshot& m) {
    using Side = TransferStats::Side;
    const std::array<std::pair<const char*, const Side*>, 2> sides = {
        {{"in", &m.transfers.in}, {"out", &m.transfers.out}}};
    std::string out;

    family(out, "streamd_build_info", "gauge", "The running streamd's version.");
    add(out, "streamd_build_info{{version=\"{}\"}} 1\n", label(m.version));
    family(out, "streamd_start_time_seconds", "gauge", "When the daemon started, in Unix time.");
    add(out, "streamd_start_time_seconds {:.3f}\n", m.started_at);
    family(out, "streamd_connections", "gauge", "Connections open now, accepted and made.");
    add(out, "streamd_connections {}\n", m.connections);

    family(out, "streamd_transfers", "gauge", "Transfers not yet ended, by direction and state.");
    for (const auto& [direction, side] : sides) {
        add(out, "streamd_transfers{{direction=\"{}\",state=\"queued\"}} {}\n", direction,
            side->queued);
        add(out, "streamd_transfers{{direction=\"{}\",state=\"active\"}} {}\n", direction,
            side->active);
    }
    family(out, "streamd_transfers_ended_total", "counter",
           "Transfers ended since the start, by direction and result.");
    for (const auto& [direction, side] : sides)
        for (const auto& [result, n] : {std::pair{"done", side->done},
                                        {"failed", side->failed},
                                        {"canceled", side->canceled}})
            add(out, "streamd_transfers_ended_total{{direction=\"{}\",result=\"{}\"}} {}\n",
                direction, result, n);
    family(out, "streamd_transfer_failures_total", "counter",
           "Transfers failed since the start, by the kind of failure.");
    for (size_t i = 0; i < kFailureKinds; ++i)
        add(out, "streamd_transfer_failures_total{{reason=\"{}\"}} {}\n",
            to_string(static_cast<Failure>(i)), m.transfers.failures[i]);
    family(out, "streamd_bytes_total", "counter",
           "Bytes of files received and sent since the start.");
    for (const auto& [direction, side] : sides)
        add(out, "streamd_bytes_total{{direction=\"{}\"}} {}\n", direction, side->bytes);

    family(out, "streamd_transfer_duration_seconds", "histogram",
           "From start to end, of the transfers that ended done.");
    for (const auto& [direction, side] : sides) {
        for (size_t i = 0; i < TransferStats::kDurationBuckets.size(); ++i)
            add(out, "streamd_transfer_duration_seconds_bucket{{direction=\"{}\",le=\"{}\"}} {}\n",
                direction, TransferStats::kDurationBuckets[i], side->done_within[i]);
        add(out, "streamd_transfer_duration_seconds_bucket{{direction=\"{}\",le=\"+Inf\"}} {}\n",
            direction, side->done);
        add(out, "streamd_transfer_duration_seconds_sum{{direction=\"{}\"}} {:.6f}\n", direction,
            side->done_seconds);
        add(out, "streamd_transfer_duration_seconds_count{{direction=\"{}\"}} {}\n", direction,
            side->done);
    }
    return out;
}

} // namespace streamd

#include "web/metrics_text.hpp"

#include <fmt/format.h>

namespace streamd {

namespace {

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

// A label value as the format wants it: backslash, quote and newline escaped.
std::string label(const std::string& value) {
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
    const std::array<std::pair<const char*, const MetricsSnapshot::Direction*>, 2> directions = {
        {{"in", &m.in}, {"out", &m.out}}};
    std::string out;
    header(out, "streamd_build_info", "gauge", "The running streamd's version.");
    out += fmt::format("streamd_build_info{{version=\"{}\"}} 1\n", label(m.version));
    header(out, "streamd_start_time_seconds", "gauge", "When the daemon started, Unix time.");
    out += fmt::format("streamd_start_time_seconds {:.3f}\n", m.started_at);

    header(out, "streamd_transfers", "gauge", "Transfers not yet ended, by direction and state.");
    for (const auto& [name, d] : directions) {
        out += fmt::format("streamd_transfers{{direction=\"{}\",state=\"queued\"}} {}\n", name,
                           d->queued);
        out += fmt::format("streamd_transfers{{direction=\"{}\",state=\"running\"}} {}\n", name,
                           d->running);
    }
    header(out, "streamd_transfers_ended_total", "counter",
           "Transfers that ended since the start, by direction and result.");
    for (const auto& [name, d] : directions)
        for (const auto& [result, n] :
             {std::pair{"done", d->done}, {"failed", d->failed}, {"canceled", d->canceled}})
            out +=
                fmt::format("streamd_transfers_ended_total{{direction=\"{}\",result=\"{}\"}} {}\n",
                            name, result, n);
    header(out, "streamd_bytes_total", "counter",
           "Bytes of files received and sent since the start.");
    for (const auto& [name, d] : directions)
        out += fmt::format("streamd_bytes_total{{direction=\"{}\"}} {}\n", name, d->bytes);
    header(out, "streamd_transfer_errors_total", "counter",
           "Transfers that failed since the start, by reason.");
    for (const auto& [reason, n] : m.errors)
        out += fmt::format("streamd_transfer_errors_total{{reason=\"{}\"}} {}\n", label(reason), n);
    header(out, "streamd_connections", "gauge", "Connections open now, peers' and browsers'.");
    out += fmt::format("streamd_connections {}\n", m.connections);

    header(out, "streamd_transfer_duration_seconds", "histogram",
           "Time from start to end of the transfers that ended done.");
    for (size_t i = 0; i < m.kDurationBuckets.size(); ++i)
        out += fmt::format("streamd_transfer_duration_seconds_bucket{{le=\"{}\"}} {}\n",
                           m.kDurationBuckets[i], m.duration_counts[i]);
    out += fmt::format("streamd_transfer_duration_seconds_bucket{{le=\"+Inf\"}} {}\n",
                       m.duration_count);
    out += fmt::format("streamd_transfer_duration_seconds_sum {:.6f}\n", m.duration_sum);
    out += fmt::format("streamd_transfer_duration_seconds_count {}\n", m.duration_count);
    return out;
}

} // namespace streamd

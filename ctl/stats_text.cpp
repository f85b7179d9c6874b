#include "stats_text.hpp"

#include "key_value_lines.hpp"
#include "progress_line.hpp"
#include "size_units.hpp"
#include "terminal_text.hpp"
#include "timestamp.hpp"

#include <vector>

namespace streamd::ctl {

namespace {

template <typename T> std::string or_dash(const std::optional<T>& v) {
    return v ? std::to_string(*v) : "-";
}

// The parts the daemon gave, joined with ", ".
std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) {
        if (!out.empty()) out += ", ";
        out += p;
    }
    return out;
}

} // namespace

std::string format_stats_text(const DaemonStats& s) {
    KeyValueLines lines;
    if (s.bytes_in) lines.add("Received", proto::format_size(*s.bytes_in));
    if (s.bytes_out) lines.add("Sent", proto::format_size(*s.bytes_out));
    if (s.transfers_done || s.transfers_failed || s.transfers_canceled)
        lines.add("Done/Failed/Canceled", or_dash(s.transfers_done) + "/" +
                                              or_dash(s.transfers_failed) + "/" +
                                              or_dash(s.transfers_canceled));

    std::vector<std::string> active;
    if (s.active_in) active.push_back(std::to_string(*s.active_in) + " in");
    if (s.active_out) active.push_back(std::to_string(*s.active_out) + " out");
    if (s.queued) active.push_back(std::to_string(*s.queued) + " queued");
    std::string active_line = joined(active);
    if (s.max_active) {
        if (!active_line.empty()) active_line += " ";
        active_line += "(max " + std::to_string(*s.max_active) + " outgoing)";
    }
    if (!active_line.empty()) lines.add("Active", active_line);

    std::vector<std::string> rates;
    if (s.rate_in) rates.push_back("in " + format_rate(*s.rate_in));
    if (s.rate_out) rates.push_back("out " + format_rate(*s.rate_out));
    if (!rates.empty()) lines.add("Rate", joined(rates));

    if (s.started_at && *s.started_at > 0) lines.add("Up since", format_timestamp(*s.started_at));
    if (s.version) lines.add("Version", printable(*s.version));
    if (s.tls) lines.add("TLS", printable(*s.tls));
    if (s.tls_certificate && !s.tls_certificate->empty())
        lines.add("Certificate", printable(*s.tls_certificate));
    if (s.tls_fingerprint && !s.tls_fingerprint->empty())
        lines.add("SHA-256", printable(*s.tls_fingerprint));
    return lines.text();
}

} // namespace streamd::ctl

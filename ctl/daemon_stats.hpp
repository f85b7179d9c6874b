// The Manager's GetStats() snapshot. Every value is optional: a daemon older or newer than
// this client may leave a key out or give it another type, and what is missing is not shown
// rather than shown as zero.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace streamd::ctl {

struct DaemonStats {
    std::optional<uint64_t> bytes_in;
    std::optional<uint64_t> bytes_out;
    std::optional<uint32_t> transfers_done;
    std::optional<uint32_t> transfers_failed;
    std::optional<uint32_t> transfers_canceled;
    std::optional<uint32_t> active_in;
    std::optional<uint32_t> active_out;
    std::optional<uint32_t> queued;
    std::optional<uint64_t> rate_in;  // bytes per second
    std::optional<uint64_t> rate_out; // bytes per second
    std::optional<uint32_t> max_active;
    std::optional<uint64_t> keep_finished; // seconds
    std::optional<uint64_t> started_at;    // microseconds since the Unix epoch
    std::optional<std::string> version;
    std::optional<std::string> tls;             // [tls] mode
    std::optional<std::string> tls_certificate; // the file browsers are shown
    std::optional<std::string> tls_fingerprint; // its SHA-256, "AB:CD:…"
};

} // namespace streamd::ctl

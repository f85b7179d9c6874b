// Points in time from the daemon, for people.
#pragma once

#include <cstdint>
#include <string>

namespace streamd::ctl {

// Microseconds since the Unix epoch as local time, as systemd's tools write it:
// "Sat 2026-11-21 14:23:30 CET".
std::string format_timestamp(uint64_t microseconds);

} // namespace streamd::ctl

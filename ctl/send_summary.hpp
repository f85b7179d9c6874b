// The line `streamctl send` or `get` prints once a transfer is done.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace streamd::ctl {

// "sent NAME to DEST as STORED: SIZE in 1.20 s (RATE/s)", and for a transfer of other than
// one file (counts_files()) "…: SIZE, 10100 files in 1.20 s (RATE/s)".
std::string format_send_summary(std::string_view name, std::string_view destination,
                                std::string_view stored_name, uint64_t size, double seconds,
                                uint32_t files = 1);

// "got NAME from SOURCE as STORED: …", the same for `streamctl get`.
std::string format_get_summary(std::string_view name, std::string_view source,
                               std::string_view stored_name, uint64_t size, double seconds,
                               uint32_t files = 1);

} // namespace streamd::ctl

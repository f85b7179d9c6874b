// The line `streamctl send` prints once a transfer is done.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace streamd::ctl {

// "sent NAME to DEST as STORED: SIZE in 1.2 s (RATE/s)".
std::string format_send_summary(std::string_view name, std::string_view destination,
                                std::string_view stored_name, uint64_t size, double seconds);

} // namespace streamd::ctl

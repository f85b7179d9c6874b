#include "send_summary.hpp"

#include "size_units.hpp"
#include "terminal_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace streamd::ctl {

std::string format_send_summary(std::string_view name, std::string_view destination,
                                std::string_view stored_name, uint64_t size, double seconds) {
    // Rate from the same rounded duration the line shows, so the two numbers agree, and
    // never from zero.
    const double shown = std::max(std::round(seconds * 100) / 100, 0.01);
    const auto rate = static_cast<uint64_t>(static_cast<double>(size) / shown);
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.2f s", shown);
    return "sent " + printable(name) + " to " + printable(destination) + " as " +
           printable(stored_name) + ": " + proto::format_size(size) + " in " + duration + " (" +
           proto::format_size(rate) + "/s)";
}

} // namespace streamd::ctl

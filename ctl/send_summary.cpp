#include "send_summary.hpp"

#include "progress_line.hpp"
#include "size_units.hpp"
#include "terminal_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace streamd::ctl {

namespace {

// "SIZE in 1.20 s (RATE/s)", with the files when there is more than one.
std::string amount_and_time(uint64_t size, double seconds, uint32_t files) {
    // Rate from the same rounded duration the line shows, so the two numbers agree, and
    // never from zero.
    const double shown = std::max(std::round(seconds * 100) / 100, 0.01);
    const auto rate = static_cast<uint64_t>(static_cast<double>(size) / shown);
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.2f s", shown);
    std::string what = proto::format_size(size);
    // All of them: the line is only for a transfer that is done.
    if (counts_files(files)) what += ", " + std::to_string(files) + " files";
    return what + " in " + duration + " (" + proto::format_size(rate) + "/s)";
}

} // namespace

std::string format_send_summary(std::string_view name, std::string_view destination,
                                std::string_view stored_name, uint64_t size, double seconds,
                                uint32_t files) {
    return "sent " + printable(name) + " to " + printable(destination) + " as " +
           printable(stored_name) + ": " + amount_and_time(size, seconds, files);
}

std::string format_get_summary(std::string_view name, std::string_view source,
                               std::string_view stored_name, uint64_t size, double seconds,
                               uint32_t files) {
    return "got " + printable(name) + " from " + printable(source) + " as " +
           printable(stored_name) + ": " + amount_and_time(size, seconds, files);
}

} // namespace streamd::ctl

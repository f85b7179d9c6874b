#include "size_units.hpp"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <stdexcept>

namespace streamd::proto {

uint64_t parse_size(std::string_view text) {
    auto bad = [&](const char* why) {
        return std::invalid_argument("invalid size '" + std::string(text) + "': " + why);
    };
    std::string_view s = text;
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
        s.remove_suffix(1);
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc::result_out_of_range) throw bad("too large");
    if (ec != std::errc() || end == s.data())
        throw bad("expected a number of bytes, optionally with K, M, G or T");
    std::string_view unit(end, s.data() + s.size() - end);
    while (!unit.empty() && unit.front() == ' ')
        unit.remove_prefix(1);
    int shift = 0;
    if (!unit.empty()) {
        switch (std::toupper(static_cast<unsigned char>(unit.front()))) {
        case 'B':
            shift = -1;
            break;
        case 'K':
            shift = 10;
            break;
        case 'M':
            shift = 20;
            break;
        case 'G':
            shift = 30;
            break;
        case 'T':
            shift = 40;
            break;
        default:
            throw bad("unknown unit");
        }
        if (shift < 0) {
            if (unit.size() != 1) throw bad("unknown unit");
            shift = 0;
        } else {
            unit.remove_prefix(1);
            if (unit != "" && unit != "B" && unit != "iB" && unit != "b" && unit != "ib")
                throw bad("unknown unit");
        }
    }
    if (shift > 0 && value > (UINT64_MAX >> shift)) throw bad("too large");
    return value << shift;
}

std::string format_size(uint64_t bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (bytes < 1024) return std::to_string(bytes) + " B";
    double v = static_cast<double>(bytes);
    int u = 0;
    // Thresholds just below the next power so that rounding never prints "1024 KiB"
    // or "10.00 KiB".
    while (v >= 1023.5 && u < 6) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf,
                  v < 9.995   ? "%.2f %s"
                  : v < 99.95 ? "%.1f %s"
                              : "%.0f %s",
                  v, units[u]);
    return buf;
}

} // namespace streamd::proto

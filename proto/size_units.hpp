// Sizes as people write and read them: "4M", "512KiB", "1.5 GiB".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace streamd::proto {

// Plain bytes or a number with K/M/G/T (optionally followed by "iB" or "B"), powers of
// 1024. Throws std::invalid_argument with a one-line reason.
uint64_t parse_size(std::string_view text);

// The smallest limit on bytes per second ([transfer] max_rate, streamctl send --rate)
// other than 0, none: slower, a stream's pieces would come further apart than a
// receiver waits.
inline constexpr uint64_t kMinRate = 64 * 1024;
constexpr bool valid_rate(uint64_t bytes_per_second) {
    return bytes_per_second == 0 || bytes_per_second >= kMinRate;
}

// Three significant digits: "0 B", "1023 B", "4.00 KiB", "1.50 GiB", "512 MiB".
std::string format_size(uint64_t bytes);

} // namespace streamd::proto

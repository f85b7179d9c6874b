#include "timestamp.hpp"

#include <ctime>

namespace streamd::ctl {

std::string format_timestamp(uint64_t microseconds) {
    const auto seconds = static_cast<time_t>(microseconds / 1000000);
    struct tm local {};
    char buf[64];
    if (::localtime_r(&seconds, &local) == nullptr ||
        std::strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &local) == 0)
        return std::to_string(microseconds) + " us";
    return buf;
}

} // namespace streamd::ctl

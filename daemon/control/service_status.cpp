#include "control/service_status.hpp"

#include "size_units.hpp"

namespace streamd {

std::string service_status(const ServiceActivity& now, const std::string& listen_address) {
    const uint32_t active = now.active_in + now.active_out;
    if (active == 0) return "listening on " + listen_address;
    const std::string in = std::to_string(now.active_in) + " receiving";
    const std::string out = std::to_string(now.active_out) + " sending";
    std::string line;
    if (now.active_in != 0 && now.active_out != 0)
        line = std::to_string(active) + " active (" + in + ", " + out + ")";
    else
        line = now.active_in != 0 ? in : out;
    return line + ", " + proto::format_size(now.rate_in + now.rate_out) + "/s";
}

} // namespace streamd

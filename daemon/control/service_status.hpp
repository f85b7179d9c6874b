// The one-line STATUS= that `systemctl status streamd` shows.
#pragma once

#include <cstdint>
#include <string>

namespace streamd {

struct ServiceActivity {
    uint32_t active_in = 0;
    uint32_t active_out = 0;
    uint64_t rate_in = 0; // bytes per second
    uint64_t rate_out = 0;
};

// "listening on ADDRESS" while nothing moves, else e.g. "2 receiving, 1.8 GiB/s" or
// "3 active (2 receiving, 1 sending), 1.8 GiB/s".
std::string service_status(const ServiceActivity& now, const std::string& listen_address);

} // namespace streamd

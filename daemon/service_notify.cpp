#include "service_notify.hpp"

#include <systemd/sd-daemon.h>

namespace streamd {

void notify_service(const std::string& state) {
    ::sd_notify(0, state.c_str());
}

} // namespace streamd

// sd_notify(3) messages to the service manager; a no-op outside systemd.
#pragma once

#include <string>

namespace streamd {

void notify_service(const std::string& state);

} // namespace streamd

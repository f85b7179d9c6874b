// Messages to the service manager (sd_notify(3) protocol); a no-op outside systemd.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace streamd {

void notify_service(const std::string& state);

// WatchdogSec= of the unit (WATCHDOG_USEC, for this process only), if the service manager
// expects WATCHDOG=1 pings.
std::optional<std::chrono::microseconds> watchdog_interval();

} // namespace streamd

// What the service manager hears from streamd (sd_notify(3)): READY=1 once it serves,
// STATUS= with what moves whenever that changes, WATCHDOG=1 while every worker's loop
// still turns, and STOPPING=1. Nothing outside systemd.
#pragma once

#include "control/service_status.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace streamd {

class ServiceManager {
public:
    using Clock = std::chrono::steady_clock;

    explicit ServiceManager(std::string listen_address);

    void ready();
    void stopping();
    // About once a second; `oldest_sweep`: when the worker that swept longest ago last
    // swept, so that one stuck loop stops the pings and systemd restarts the daemon.
    void tick(Clock::time_point now, const ServiceActivity& activity,
              Clock::time_point oldest_sweep);

private:
    const std::string listen_address_;
    const std::optional<std::chrono::microseconds> watchdog_;
    Clock::time_point next_watchdog_{};
    std::string status_;
};

} // namespace streamd

#include "control/service_manager.hpp"

#include "control/service_notify.hpp"

namespace streamd {

ServiceManager::ServiceManager(std::string listen_address)
    : listen_address_(std::move(listen_address)), watchdog_(watchdog_interval()),
      status_(service_status({}, listen_address_)) {}

void ServiceManager::ready() {
    notify_service("READY=1\nSTATUS=" + status_);
}

void ServiceManager::stopping() {
    notify_service("STOPPING=1");
}

void ServiceManager::tick(Clock::time_point now, const ServiceActivity& activity,
                          Clock::time_point oldest_sweep) {
    std::string message;
    if (std::string status = service_status(activity, listen_address_); status != status_) {
        status_ = std::move(status);
        message = "STATUS=" + status_;
    }
    if (watchdog_ && now >= next_watchdog_ && now - oldest_sweep < *watchdog_) {
        message += message.empty() ? "WATCHDOG=1" : "\nWATCHDOG=1";
        // Half the interval, as sd_watchdog_enabled(3) advises, less one sweep so that a
        // ping due between two sweeps goes at the earlier one.
        next_watchdog_ = now + std::max<Clock::duration>(*watchdog_ / 2 - std::chrono::seconds(1),
                                                         Clock::duration::zero());
    }
    if (!message.empty()) notify_service(message);
}

} // namespace streamd

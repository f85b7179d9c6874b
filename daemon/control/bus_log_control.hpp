// systemd's log control on the bus: /org/freedesktop/LogControl1, interface
// org.freedesktop.LogControl1, for `systemctl service-log-level streamd debug`.
#pragma once

#include "control/bus_names.hpp"
#include "control/dbus_service.hpp"
#include "control/log.hpp"
#include "logcontrol_adaptor.hpp"

#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <string>
#include <string_view>

namespace streamd {

class BusLogControl final : public sdbus::AdaptorInterfaces<org::freedesktop::LogControl1_adaptor> {
public:
    BusLogControl(sdbus::IConnection& bus, DbusService& service)
        : AdaptorInterfaces(bus, kLogControlPath), service_(service) {
        registerAdaptor();
    }
    ~BusLogControl() { unregisterAdaptor(); }

private:
    std::string LogLevel() override { return log_level(); }
    void LogLevel(const std::string& value) override {
        set(value, "change the log level", set_log_level, "level");
    }
    std::string LogTarget() override { return log_target(); }
    void LogTarget(const std::string& value) override {
        set(value, "change the log target", set_log_target, "target");
    }
    std::string SyslogIdentifier() override { return "streamd"; }

    void set(const std::string& value, const char* what, void (*apply)(std::string_view),
             const char* name) {
        std::string who = service_.authorize(getObject().getCurrentlyProcessedMessage(), what);
        try {
            apply(value);
        } catch (const std::invalid_argument& e) {
            throw bus_error("InvalidArgument", e.what());
        }
        spdlog::info("log {} set to {} by {}", name, value, who);
    }

    DbusService& service_;
};

} // namespace streamd

// streamd on D-Bus: the connection and the objects on it (the manager, one object per
// transfer, systemd's log control), served from worker 0's loop by polling the bus
// connection's fd; who may change things; progress announced at most 4 times a second.
#pragma once

#include "config/config.hpp"
#include "control/daemon_control.hpp"
#include "engine/worker.hpp"
#include "transfer/transfer_registry.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sdbus-c++/IConnection.h>
#include <string>

namespace streamd {

class BusLogControl;
class BusManager;
class BusTransfer;

class DbusService final : public LoopGuest {
public:
    // Connects and takes the bus name; throws std::runtime_error with a message for users.
    DbusService(DaemonControl& daemon, BusKind bus);
    ~DbusService();

    // Starts serving on worker 0's loop (its thread only, from here on).
    void attach(Worker& w);
    // Exports transfers that are not on the bus yet and makes sure progress is announced.
    void publish();
    // Bytes per second in and out, summed over the transfers' Rate properties.
    std::pair<uint64_t, uint64_t> rates() const;
    // One transfer's Rate; 0 for one not on the bus.
    uint64_t rate_of(uint32_t id) const;

    // Throws the AccessDenied error unless the caller of the call being handled may
    // do `what` ("send files"); returns who they are.
    std::string authorize(const sdbus::Message* call, const char* what) const;
    void cancel(uint32_t id, const sdbus::Message* call);

private:
    using Clock = std::chrono::steady_clock;

    void arm_poll();
    void process();
    void tick();
    void expire(uint64_t now_us);
    std::optional<Clock::time_point> next_expiry() const;
    void ready() override;
    std::optional<Clock::time_point> deadline() const override;
    void woke() override;

    DaemonControl& daemon_;
    const char* bus_label_;
    bool lost_ = false; // the bus connection broke; nothing more goes through it
    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<BusManager> manager_;
    std::unique_ptr<BusLogControl> log_control_;
    std::map<uint32_t, std::unique_ptr<BusTransfer>> transfers_;
    Worker* worker_ = nullptr;
    short armed_events_ = 0;
    std::optional<Clock::time_point> next_tick_;
    Clock::time_point last_tick_;
};

} // namespace streamd

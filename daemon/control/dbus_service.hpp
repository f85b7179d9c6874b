// streamd on D-Bus: the manager object, one object per transfer and systemd's log
// control, served from worker 0's ring by polling the bus connection's fd.
#pragma once

#include "config/config.hpp"
#include "transfer/transfer_registry.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sdbus-c++/IConnection.h>
#include <string>

namespace streamd {

class Daemon;
class Worker;

inline constexpr const char* kBusName = "org.streamd.Streamd1";
inline constexpr const char* kManagerPath = "/org/streamd/Streamd1";

class DbusService {
public:
    // Connects and takes the bus name; throws std::runtime_error with a message for users.
    DbusService(Daemon& daemon, BusKind bus);
    ~DbusService();

    // Starts serving on worker 0's ring (its thread only, from here on).
    void attach(Worker& w);
    // Exports transfers that are not on the bus yet and makes sure progress is announced.
    void publish();
    // Bytes per second in and out, summed over the transfers' Rate properties.
    std::pair<uint64_t, uint64_t> rates() const;

private:
    class ManagerObject;
    class TransferObject;
    class LogControlObject;
    using Clock = std::chrono::steady_clock;

    // Throws the AccessDenied error unless the caller of the call being handled may
    // do `what` ("send files"); returns who they are.
    std::string authorize(const sdbus::Message* call, const char* what) const;
    void cancel(uint32_t id, const sdbus::Message* call);

    void arm_poll();
    void process();
    void tick();
    void expire(uint64_t now_us);
    std::optional<Clock::time_point> next_expiry() const;
    std::optional<Clock::time_point> deadline() const;
    void after_wakeup();

    Daemon& daemon_;
    const char* bus_label_;
    bool lost_ = false; // the bus connection broke; nothing more goes through it
    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<ManagerObject> manager_;
    std::unique_ptr<LogControlObject> log_control_;
    std::map<uint32_t, std::unique_ptr<TransferObject>> transfers_;
    Worker* worker_ = nullptr;
    uint64_t poll_tag_ = 0;
    short armed_events_ = 0;
    std::optional<Clock::time_point> next_tick_;
    Clock::time_point last_tick_;
};

} // namespace streamd

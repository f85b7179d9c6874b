// streamd on D-Bus: the manager object and one object per transfer, served from
// worker 0's ring by polling the bus connection's fd.
#pragma once

#include "config.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sdbus-c++/IConnection.h>
#include <set>

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
    // Exports transfers that are not on the bus yet.
    void publish();

private:
    class ManagerObject;
    class TransferObject;
    using Clock = std::chrono::steady_clock;

    void arm_poll();
    void process();
    void tick();
    std::optional<Clock::time_point> deadline() const;
    void after_wakeup();

    Daemon& daemon_;
    const char* bus_label_;
    std::unique_ptr<sdbus::IConnection> bus_;
    std::unique_ptr<ManagerObject> manager_;
    std::map<uint32_t, std::unique_ptr<TransferObject>> transfers_;
    std::set<uint32_t> settled_; // final state announced; no more ticks needed
    Worker* worker_ = nullptr;
    uint64_t poll_tag_ = 0;
    short armed_events_ = 0;
    std::optional<Clock::time_point> next_tick_;
    Clock::time_point last_tick_;
};

} // namespace streamd

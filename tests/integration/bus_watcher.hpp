#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

namespace streamd::it {

// One signal from streamd, as the watcher recorded it.
struct BusEvent {
    // Unreadable: a signal of streamd's whose arguments did not match its signature.
    enum class Kind { TransferNew, TransferRemoved, PropertiesChanged, Unreadable };

    Kind kind = Kind::PropertiesChanged;
    std::uint32_t id = 0;             // TransferNew, TransferRemoved
    std::string path;                 // the transfer's object
    std::string result;               // TransferRemoved: done, failed or canceled; Unreadable: why
    std::vector<std::string> changed; // PropertiesChanged: the names, changed and invalidated
    std::optional<std::string> state; // PropertiesChanged: the new State, if it was among them

    std::string describe() const;
};

// Listens on a private bus to streamd's manager signals and to PropertiesChanged of its transfer
// objects, in the order they arrive, from construction on. Tests wait on it for a condition
// instead of sleeping: each recorded signal wakes the waiters.
class BusWatcher {
public:
    explicit BusWatcher(const std::string& bus_address);
    BusWatcher(const BusWatcher&) = delete;
    BusWatcher& operator=(const BusWatcher&) = delete;
    ~BusWatcher();

    std::vector<BusEvent> events() const;
    // Waits until `condition` holds for everything recorded so far; false if `timeout` passes.
    bool wait_for(const std::function<bool(const std::vector<BusEvent>&)>& condition,
                  std::chrono::milliseconds timeout) const;
    // A round trip to streamd on the watcher's own connection. The bus keeps each sender's
    // messages in order, so once it returns every signal that streamd sent before answering has
    // been recorded: the way to say "and nothing else came" about a moment.
    void barrier();

    // Every event so far, one a line, for failure messages.
    std::string describe() const;

private:
    void record(sdbus::Message& message);

    std::unique_ptr<sdbus::IConnection> connection_;
    sdbus::Slot match_;
    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::vector<BusEvent> events_;
};

// The events about one transfer object, in order.
std::vector<BusEvent> events_for(const std::vector<BusEvent>& events, const std::string& path);

} // namespace streamd::it

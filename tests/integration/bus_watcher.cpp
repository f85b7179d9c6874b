#include "bus_watcher.hpp"

#include <map>
#include <sstream>

namespace streamd::it {

namespace {

constexpr const char* bus_name = "org.streamd.Streamd1";
constexpr const char* manager_path = "/org/streamd/Streamd1";
constexpr const char* manager_interface = "org.streamd.Streamd1.Manager";
constexpr const char* transfer_interface = "org.streamd.Streamd1.Transfer";
constexpr const char* transfer_path_prefix = "/org/streamd/Streamd1/transfer/";

// Nothing for PropertiesChanged of an interface other than Transfer.
std::optional<BusEvent> read_event(sdbus::Message& message) {
    BusEvent event;
    const std::string member = message.getMemberName();
    event.path = message.getPath();
    if (member == "TransferNew") {
        sdbus::ObjectPath path;
        message >> event.id >> path;
        event.kind = BusEvent::Kind::TransferNew;
        event.path = path;
    } else if (member == "TransferRemoved") {
        sdbus::ObjectPath path;
        message >> event.id >> path >> event.result;
        event.kind = BusEvent::Kind::TransferRemoved;
        event.path = path;
    } else {
        std::string interface;
        std::map<std::string, sdbus::Variant> changed;
        std::vector<std::string> invalidated;
        message >> interface >> changed >> invalidated;
        if (interface != transfer_interface) return std::nullopt;
        event.kind = BusEvent::Kind::PropertiesChanged;
        for (const auto& [name, value] : changed) {
            event.changed.push_back(name);
            if (name == "State") event.state = value.get<std::string>();
        }
        event.changed.insert(event.changed.end(), invalidated.begin(), invalidated.end());
    }
    return event;
}

const char* kind_name(BusEvent::Kind kind) {
    switch (kind) {
    case BusEvent::Kind::TransferNew:
        return "TransferNew";
    case BusEvent::Kind::TransferRemoved:
        return "TransferRemoved";
    case BusEvent::Kind::PropertiesChanged:
        return "PropertiesChanged";
    case BusEvent::Kind::Unreadable:
        return "Unreadable";
    }
    return "?";
}

} // namespace

std::string BusEvent::describe() const {
    std::ostringstream out;
    out << kind_name(kind);
    switch (kind) {
    case Kind::TransferNew:
        out << "(" << id << ", " << path << ")";
        break;
    case Kind::TransferRemoved:
        out << "(" << id << ", " << path << ", " << result << ")";
        break;
    case Kind::PropertiesChanged:
        out << " " << path << " [";
        for (std::size_t i = 0; i < changed.size(); ++i)
            out << (i ? " " : "") << changed[i];
        out << "]";
        if (state) out << " State=" << *state;
        break;
    case Kind::Unreadable:
        out << " " << path << ": " << result;
        break;
    }
    return out.str();
}

BusWatcher::BusWatcher(const std::string& bus_address)
    : connection_(sdbus::createSessionBusConnectionWithAddress(bus_address)) {
    // Manager signals and the transfers' PropertiesChanged both live under the manager's path.
    match_ =
        connection_->addMatch(std::string("type='signal',path_namespace='") + manager_path + "'",
                              [this](sdbus::Message& message) { record(message); });
    connection_->enterEventLoopAsync();
}

BusWatcher::~BusWatcher() {
    // The loop thread calls record(); it must be gone before anything record() uses.
    connection_->leaveEventLoop();
    match_.reset();
}

void BusWatcher::record(sdbus::Message& message) {
    const std::string interface = message.getInterfaceName();
    const std::string path = message.getPath();
    const bool manager_signal = interface == manager_interface && path == manager_path;
    const bool transfer_change = interface == "org.freedesktop.DBus.Properties" &&
                                 message.getMemberName() == "PropertiesChanged" &&
                                 path.starts_with(transfer_path_prefix);
    if (!manager_signal && !transfer_change) return;
    BusEvent event;
    try {
        auto read = read_event(message);
        if (!read) return;
        event = std::move(*read);
    } catch (const sdbus::Error& e) {
        event = BusEvent{};
        event.kind = BusEvent::Kind::Unreadable;
        event.path = path;
        event.result = message.getMemberName() + ": " + e.getMessage();
    }
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    changed_.notify_all();
}

std::vector<BusEvent> BusWatcher::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

bool BusWatcher::wait_for(const std::function<bool(const std::vector<BusEvent>&)>& condition,
                          std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return condition(events_); });
}

void BusWatcher::barrier() {
    auto proxy = sdbus::createProxy(*connection_, bus_name, manager_path);
    proxy->callMethod("Ping").onInterface("org.freedesktop.DBus.Peer");
}

std::string BusWatcher::describe() const {
    std::string text = "signals seen, in order:\n";
    for (const auto& event : events())
        text += "  " + event.describe() + "\n";
    return text;
}

std::vector<BusEvent> events_for(const std::vector<BusEvent>& events, const std::string& path) {
    std::vector<BusEvent> result;
    for (const auto& event : events)
        if (event.path == path) result.push_back(event);
    return result;
}

} // namespace streamd::it

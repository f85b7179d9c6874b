#include "bus_client.hpp"

#include "failure.hpp"
#include "manager_proxy.hpp"
#include "terminal_text.hpp"

namespace streamd::ctl {

namespace {

constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";

// sdbus-c++ reports a failed connect as "Failed to open system bus (REASON)"; the reason
// alone reads better after our own "cannot connect to the system bus: ".
std::string connect_reason(const sdbus::Error& e) {
    // What sd-bus says when it has no address to try for the session bus at all.
    if (e.getName() == "System.Error.ENOMEDIUM")
        return "no address known (neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set)";
    const std::string& m = e.getMessage();
    const auto open = m.rfind(" (");
    if (m.ends_with(')') && open != std::string::npos)
        return m.substr(open + 2, m.size() - open - 3);
    return m.empty() ? e.getName() : m;
}

template <typename T>
void read_property(const std::map<std::string, sdbus::Variant>& props, const char* name, T& out) {
    // A property of another type or a missing one keeps its default, so that a daemon
    // that is newer or older than this client can still be followed.
    const auto it = props.find(name);
    if (it != props.end() && it->second.containsValueOfType<T>()) out = it->second.get<T>();
}

} // namespace

// The Manager interface as generated from its XML, so that a change there that this client
// does not follow fails to compile instead of failing at run time.
class ManagerProxy final : public sdbus::ProxyInterfaces<org::streamd::Streamd1::Manager_proxy> {
public:
    explicit ManagerProxy(sdbus::IConnection& connection)
        : ProxyInterfaces(connection, kBusName, kManagerPath) {
        registerProxy();
    }
    ~ManagerProxy() { unregisterProxy(); }

private:
    void onTransferNew(const uint32_t&, const sdbus::ObjectPath&) override {}
    void onTransferRemoved(const uint32_t&, const sdbus::ObjectPath&, const std::string&) override {}

public:

    // Send by hand rather than through the generated method, which drops the reply's
    // sender.
    QueuedTransfer send(const UniqueFd& file, const std::string& destination,
                        const std::map<std::string, sdbus::Variant>& options) {
        auto call = getProxy().createMethodCall(kManagerInterface, "Send");
        call << sdbus::UnixFd(file.get()) << destination << options;
        auto reply = getProxy().callMethod(call);
        QueuedTransfer t;
        reply >> t.id >> t.path;
        t.daemon = reply.getSender();
        if (t.daemon.empty()) // a direct connection has no bus names
            t.daemon = kBusName;
        return t;
    }
};

BusClient::BusClient(BusKind bus) : bus_(bus) {
    try {
        connection_ = bus == BusKind::Session ? sdbus::createSessionBusConnection()
                                              : sdbus::createSystemBusConnection();
    } catch (const sdbus::Error& e) {
        throw Failure(std::string("cannot connect to the ") + bus_label() + ": " +
                      connect_reason(e));
    }
    manager_ = std::make_unique<ManagerProxy>(*connection_);
}

BusClient::~BusClient() = default;

const char* BusClient::bus_label() const {
    return bus_ == BusKind::Session ? "session bus" : "system bus";
}

bool is_name_without_owner(const sdbus::Error& e) {
    return e.getName() == "org.freedesktop.DBus.Error.ServiceUnknown" ||
           e.getName() == "org.freedesktop.DBus.Error.NameHasNoOwner";
}

Failure BusClient::failure(const sdbus::Error& e) const {
    if (is_name_without_owner(e))
        return Failure(std::string("streamd is not running (no ") + kBusName + " on the " +
                       bus_label() + ")");
    // The message may quote a remote peer; keep it to one harmless line.
    return Failure(printable(e.getMessage().empty() ? e.getName() : e.getMessage()));
}

QueuedTransfer BusClient::send(const UniqueFd& file, const std::string& destination,
                               const std::map<std::string, sdbus::Variant>& options) {
    try {
        return manager_->send(file, destination, options);
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
}

std::vector<TransferRow> BusClient::list_transfers() {
    try {
        std::vector<TransferRow> rows;
        for (const auto& t : manager_->ListTransfers()) {
            rows.push_back({std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t),
                            std::get<4>(t), std::get<5>(t), std::get<6>(t), std::get<9>(t)});
        }
        return rows;
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
}

TransferSnapshot BusClient::transfer_snapshot(const QueuedTransfer& transfer) {
    auto proxy = sdbus::createProxy(*connection_, transfer.daemon, transfer.path);
    std::map<std::string, sdbus::Variant> props;
    proxy->callMethod("GetAll")
        .onInterface(kPropertiesInterface)
        .withArguments(std::string(kTransferInterface))
        .storeResultsTo(props);
    TransferSnapshot s;
    read_property(props, "Id", s.id);
    read_property(props, "Direction", s.direction);
    read_property(props, "State", s.state);
    read_property(props, "Name", s.name);
    read_property(props, "Peer", s.peer);
    read_property(props, "Size", s.size);
    read_property(props, "BytesDone", s.bytes_done);
    read_property(props, "Rate", s.rate);
    read_property(props, "Streams", s.streams);
    read_property(props, "ChunkSize", s.chunk_size);
    read_property(props, "StoredName", s.stored_name);
    read_property(props, "Error", s.error);
    read_property(props, "CreatedAt", s.created_at);
    read_property(props, "FinishedAt", s.finished_at);
    return s;
}

} // namespace streamd::ctl

#include "bus_client.hpp"

#include "failure.hpp"
#include "manager_proxy.hpp"
#include "size_units.hpp"
#include "terminal_text.hpp"
#include "transfer_state.hpp"

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>

namespace streamd::ctl {

namespace {

constexpr const char* kPropertiesInterface = "org.freedesktop.DBus.Properties";
constexpr const char* kTransferPathPrefix = "/org/streamd/Streamd1/transfer/";
// dbus-daemon's default max_message_size on the system bus; a larger message costs the
// connection, with nothing to say why.
constexpr size_t kSystemBusMessageLimit = 32 * 1024 * 1024;

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

// The message may quote a remote peer; keep it to one harmless line.
std::string message_of(const sdbus::Error& e) {
    return printable(e.getMessage().empty() ? e.getName() : e.getMessage());
}

bool is_disconnected(const sdbus::Error& e) {
    const std::string& name = e.getName();
    return name == "org.freedesktop.DBus.Error.Disconnected" || name == "System.Error.ECONNRESET" ||
           name == "System.Error.ENOTCONN" || name == "System.Error.EPIPE";
}

// Each descriptor is closed as soon as the message holds its own copy, so that passing a
// folder never needs more descriptors than walking it did.
void append_files(sdbus::MethodCall& call, std::span<UniqueFd> files) {
    call.openContainer("h");
    for (UniqueFd& f : files)
        call << sdbus::UnixFd(f.release(), sdbus::adopt_fd);
    call.closeContainer();
}

// Who queued a transfer, from the reply that says so.
TransferRef queued_by(sdbus::MethodReply& reply) {
    TransferRef t;
    reply >> t.id >> t.path;
    t.daemon = reply.getSender();
    if (t.daemon.empty()) // a direct connection has no bus names
        t.daemon = kBusName;
    return t;
}

template <typename T>
void read_property(const std::map<std::string, sdbus::Variant>& props, const char* name, T& out) {
    // A property of another type or a missing one keeps its default, so that a daemon
    // that is newer or older than this client can still be followed.
    const auto it = props.find(name);
    if (it != props.end() && it->second.containsValueOfType<T>()) out = it->second.get<T>();
}

template <typename T>
void read_property(const std::map<std::string, sdbus::Variant>& props, const char* name,
                   std::optional<T>& out) {
    const auto it = props.find(name);
    if (it != props.end() && it->second.containsValueOfType<T>()) out = it->second.get<T>();
}

// Files and FilesDone of a transfer in `state`. A daemon older than them sends one file,
// which is complete when the transfer is done.
void read_file_counts(const std::map<std::string, sdbus::Variant>& props, std::string_view state,
                      uint32_t& files, uint32_t& files_done) {
    files = 1;
    read_property(props, "Files", files);
    std::optional<uint32_t> done;
    read_property(props, "FilesDone", done);
    files_done = done.value_or(files_done_by_state(state, files));
}

// Skipped, where the daemon has it.
std::vector<SkippedEntry> read_skipped(const std::map<std::string, sdbus::Variant>& props) {
    std::vector<sdbus::Struct<std::string, std::string>> given;
    read_property(props, "Skipped", given);
    std::vector<SkippedEntry> out;
    out.reserve(given.size());
    for (const auto& s : given)
        out.push_back({std::get<0>(s), std::get<1>(s)});
    return out;
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

    // Send and SendTree by hand rather than through the generated methods, which drop
    // the reply's sender.
    TransferRef send(const UniqueFd& file, const std::string& destination,
                     const std::map<std::string, sdbus::Variant>& options) {
        auto call = getProxy().createMethodCall(kManagerInterface, "Send");
        call << sdbus::UnixFd(file.get()) << destination << options;
        auto reply = getProxy().callMethod(call);
        return queued_by(reply);
    }

    TransferRef send_tree(const UniqueFd& folder, const std::vector<uint8_t>& manifest,
                          std::span<UniqueFd> files, const std::string& destination,
                          const std::map<std::string, sdbus::Variant>& options) {
        auto call = getProxy().createMethodCall(kManagerInterface, "SendTree");
        call << sdbus::UnixFd(folder.get()) << manifest;
        append_files(call, files);
        call << destination << options;
        auto reply = getProxy().callMethod(call);
        return queued_by(reply);
    }

    // The daemon answers once the other streamd has agreed and its transfer has begun here:
    // a round trip to that streamd, and a wait for its first stream.
    TransferRef get(const std::string& source, const std::string& name,
                    const std::map<std::string, sdbus::Variant>& options) {
        auto call = getProxy().createMethodCall(kManagerInterface, "Get");
        call << source << name << options;
        auto reply = getProxy().callMethod(call, kGetTimeoutUsec);
        return queued_by(reply);
    }

private:
    // Longer than the daemon waits for the other streamd's answer and its first stream.
    static constexpr uint64_t kGetTimeoutUsec = 150'000'000;

    // streamctl polls rather than follows signals: simpler, and it cannot miss a change
    // that happened before it subscribed.
    void onTransferNew(const uint32_t&, const sdbus::ObjectPath&) override {}
    void onTransferRemoved(const uint32_t&, const sdbus::ObjectPath&, const std::string&) override {
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

bool is_unknown_transfer(const sdbus::Error& e) {
    const std::string& name = e.getName();
    return name == "org.freedesktop.DBus.Error.UnknownObject" ||
           name == "org.freedesktop.DBus.Error.UnknownInterface" ||
           name == "org.freedesktop.DBus.Error.UnknownMethod" ||
           name == "org.streamd.Streamd1.Error.NoSuchTransfer";
}

Failure BusClient::failure(const sdbus::Error& e) const {
    if (is_name_without_owner(e))
        return Failure(std::string("streamd is not running (no ") + kBusName + " on the " +
                       bus_label() + ")");
    return Failure(message_of(e));
}

Failure BusClient::lost(const sdbus::Error& e, uint32_t id) const {
    if (is_name_without_owner(e))
        return Failure(std::string("lost connection to streamd: it is no longer on the ") +
                       bus_label());
    if (is_unknown_transfer(e))
        return Failure("transfer " + std::to_string(id) + " is no longer known to streamd");
    return Failure("lost connection to streamd: " + message_of(e));
}

TransferRef BusClient::send(const UniqueFd& file, const std::string& destination,
                            const std::map<std::string, sdbus::Variant>& options) {
    try {
        return manager_->send(file, destination, options);
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
}

TransferRef BusClient::get(const std::string& source, const std::string& name,
                           const std::map<std::string, sdbus::Variant>& options) {
    try {
        return manager_->get(source, name, options);
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
}

TransferRef BusClient::send_tree(const UniqueFd& folder, const std::vector<uint8_t>& manifest,
                                 std::vector<UniqueFd> files, const std::string& destination,
                                 const std::map<std::string, sdbus::Variant>& options) {
    std::span<UniqueFd> rest(files);
    // The folder's own descriptor is one of the first message's.
    const size_t first = std::min(rest.size(), kFdsPerMessage - 1);
    TransferRef t;
    try {
        t = manager_->send_tree(folder, manifest, rest.first(first), destination, options);
    } catch (const sdbus::Error& e) {
        if (is_disconnected(e) && manifest.size() + 4096 > kSystemBusMessageLimit)
            throw Failure("the bus dropped the connection on the list of what the folder holds (" +
                          proto::format_size(manifest.size()) + "): a system bus carries at most " +
                          proto::format_size(kSystemBusMessageLimit) + " a message by default");
        throw failure(e);
    }
    rest = rest.subspan(first);
    try {
        // The rest goes to the daemon that took the folder, even should another have taken
        // the well-known name meanwhile.
        auto daemon = sdbus::createProxy(*connection_, t.daemon, kManagerPath);
        while (!rest.empty()) {
            const size_t n = std::min(rest.size(), kFdsPerMessage);
            auto call = daemon->createMethodCall(kManagerInterface, "AddFiles");
            call << t.id;
            append_files(call, rest.first(n));
            daemon->callMethod(call);
            rest = rest.subspan(n);
        }
    } catch (const sdbus::Error& e) {
        // Nothing to take back: the daemon queues the folder only once its last file is in,
        // and drops one whose files stop coming.
        throw failure(e);
    }
    return t;
}

std::vector<TransferRow> BusClient::list_transfers() {
    try {
        std::vector<TransferRow> rows;
        for (const auto& t : manager_->ListTransfers()) {
            rows.push_back({std::get<0>(t), std::get<1>(t), std::get<2>(t), std::get<3>(t),
                            std::get<4>(t), std::get<5>(t), std::get<6>(t), std::get<7>(t),
                            std::get<8>(t), std::get<9>(t), "", 1,
                            files_done_by_state(std::get<2>(t), 1)});
        }
        return rows;
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
}

bool BusClient::fill_in(TransferRow& row, bool encryption) {
    std::map<std::string, sdbus::Variant> props;
    try {
        auto proxy = sdbus::createProxy(*connection_, kBusName, row.path);
        proxy->callMethod("GetAll")
            .onInterface(kPropertiesInterface)
            .withArguments(std::string(kTransferInterface))
            .storeResultsTo(props);
    } catch (const sdbus::Error&) {
        return false;
    }
    // Where the daemon is older than FilesDone, the row's own state stands in for it, so
    // that the two agree.
    read_file_counts(props, row.state, row.files, row.files_done);
    if (encryption) {
        read_property(props, "Encryption", row.encryption);
        row.skipped = read_skipped(props);
    }
    return true;
}

void BusClient::cancel_transfer(uint32_t id) {
    try {
        manager_->CancelTransfer(id);
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
}

void BusClient::cancel_transfer(const TransferRef& transfer) {
    try {
        auto daemon = sdbus::createProxy(*connection_, transfer.daemon, kManagerPath);
        daemon->callMethod("CancelTransfer")
            .onInterface(kManagerInterface)
            .withArguments(transfer.id);
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
}

void BusClient::reload() {
    try {
        manager_->Reload();
    } catch (const sdbus::Error& e) {
        if (is_name_without_owner(e)) throw failure(e);
        throw Failure("reload refused: " + message_of(e));
    }
}

DaemonStats BusClient::stats() {
    std::map<std::string, sdbus::Variant> values;
    try {
        values = manager_->GetStats();
    } catch (const sdbus::Error& e) {
        throw failure(e);
    }
    DaemonStats s;
    read_property(values, "BytesIn", s.bytes_in);
    read_property(values, "BytesOut", s.bytes_out);
    read_property(values, "TransfersDone", s.transfers_done);
    read_property(values, "TransfersFailed", s.transfers_failed);
    read_property(values, "TransfersCanceled", s.transfers_canceled);
    read_property(values, "ActiveIn", s.active_in);
    read_property(values, "ActiveOut", s.active_out);
    read_property(values, "Queued", s.queued);
    read_property(values, "RateIn", s.rate_in);
    read_property(values, "RateOut", s.rate_out);
    read_property(values, "MaxActive", s.max_active);
    read_property(values, "KeepFinished", s.keep_finished);
    read_property(values, "StartedAt", s.started_at);
    read_property(values, "Version", s.version);
    read_property(values, "Tls", s.tls);
    read_property(values, "TlsCertificate", s.tls_certificate);
    read_property(values, "TlsFingerprint", s.tls_fingerprint);
    return s;
}

TransferRef BusClient::transfer_by_id(uint32_t id) {
    TransferRef t{id, sdbus::ObjectPath(kTransferPathPrefix + std::to_string(id)), kBusName};
    // Pinned to the daemon's unique name, as for a transfer this client sent. When that
    // cannot be asked (no daemon yet, or no bus driver on a direct connection), the
    // well-known name stays and the call itself says what is wrong.
    try {
        auto driver =
            sdbus::createProxy(*connection_, "org.freedesktop.DBus", "/org/freedesktop/DBus");
        std::string owner;
        driver->callMethod("GetNameOwner")
            .onInterface("org.freedesktop.DBus")
            .withArguments(std::string(kBusName))
            .storeResultsTo(owner);
        if (!owner.empty()) t.daemon = owner;
    } catch (const sdbus::Error&) {
    }
    return t;
}

TransferSnapshot BusClient::transfer_snapshot(const TransferRef& transfer) {
    auto proxy = sdbus::createProxy(*connection_, transfer.daemon, transfer.path);
    std::map<std::string, sdbus::Variant> props;
    auto read_all = [&] {
        props.clear(); // a map read into keeps the keys it has
        proxy->callMethod("GetAll")
            .onInterface(kPropertiesInterface)
            .withArguments(std::string(kTransferInterface))
            .storeResultsTo(props);
    };
    read_all();
    // The daemon reads the properties one by one, so the transfer may end between its
    // Error and its State. Nothing changes after the end: a second read is whole.
    std::string state;
    read_property(props, "State", state);
    if (is_finished(state)) read_all();
    TransferSnapshot s;
    s.id = transfer.id;
    s.path = transfer.path;
    read_property(props, "Id", s.id);
    read_property(props, "Direction", s.direction);
    read_property(props, "State", s.state);
    read_property(props, "Name", s.name);
    read_property(props, "Peer", s.peer);
    read_property(props, "Size", s.size);
    read_property(props, "BytesDone", s.bytes_done);
    read_property(props, "Rate", s.rate);
    read_property(props, "Eta", s.eta);
    read_property(props, "Streams", s.streams);
    read_property(props, "ChunkSize", s.chunk_size);
    read_property(props, "MaxRate", s.max_rate);
    read_property(props, "StoredName", s.stored_name);
    read_property(props, "Error", s.error);
    read_property(props, "Encryption", s.encryption);
    read_property(props, "CreatedAt", s.created_at);
    read_property(props, "StartedAt", s.started_at);
    read_property(props, "FinishedAt", s.finished_at);
    read_file_counts(props, s.state, s.files, s.files_done);
    s.skipped = read_skipped(props);
    return s;
}

} // namespace streamd::ctl

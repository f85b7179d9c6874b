// streamctl's side of the D-Bus contract with streamd (proto/dbus/*.xml).
#pragma once

#include "arguments.hpp"
#include "failure.hpp"
#include "transfer_row.hpp"
#include "transfer_snapshot.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <sdbus-c++/sdbus-c++.h>
#include <string>
#include <vector>

namespace streamd::ctl {

inline constexpr const char* kBusName = "org.streamd.Streamd1";
inline constexpr const char* kManagerPath = "/org/streamd/Streamd1";
inline constexpr const char* kManagerInterface = "org.streamd.Streamd1.Manager";
inline constexpr const char* kTransferInterface = "org.streamd.Streamd1.Transfer";

// A transfer the daemon accepted.
struct QueuedTransfer {
    uint32_t id = 0;
    sdbus::ObjectPath path;
    // The unique bus name of the daemon that answered. Following the transfer through it
    // rather than the well-known name means a restarted daemon, whose transfer ids start
    // over, is never mistaken for the one that took the transfer.
    std::string daemon;
};

class ManagerProxy;

class BusClient {
public:
    // Connects to the bus; throws Failure "cannot connect to the system bus: REASON".
    explicit BusClient(BusKind bus);
    ~BusClient();
    BusClient(const BusClient&) = delete;
    BusClient& operator=(const BusClient&) = delete;

    // Manager.Send. The daemon receives its own duplicate of `file`. Throws Failure.
    QueuedTransfer send(const UniqueFd& file, const std::string& destination,
                        const std::map<std::string, sdbus::Variant>& options);

    // Manager.ListTransfers. Throws Failure.
    std::vector<TransferRow> list_transfers();

    // All Transfer properties at once. Throws sdbus::Error as it comes: while a transfer is
    // being followed, an error means something different than on the first call.
    TransferSnapshot transfer_snapshot(const QueuedTransfer& transfer);

    // "system bus" or "session bus".
    const char* bus_label() const;

    // The one line that explains a failed call to the daemon.
    Failure failure(const sdbus::Error& e) const;

private:
    BusKind bus_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerProxy> manager_;
};

// Whether `e` says nobody owns the bus name that was called.
bool is_name_without_owner(const sdbus::Error& e);

} // namespace streamd::ctl

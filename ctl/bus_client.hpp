// streamctl's side of the D-Bus contract with streamd (proto/dbus/*.xml, docs/DBUS.md).
#pragma once

#include "arguments.hpp"
#include "daemon_stats.hpp"
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

// Where a transfer's object lives.
struct TransferRef {
    uint32_t id = 0;
    sdbus::ObjectPath path;
    // The bus name to ask. For a transfer this client queued, the unique name of the daemon
    // that answered: following it through that name rather than the well-known one means a
    // restarted daemon, whose transfer ids start over, is never mistaken for the one that
    // took the transfer.
    std::string daemon;
};

// Descriptors one message carries at most: dbus-daemon's default max_message_unix_fds,
// on the system and the session bus alike. A message with more costs the connection.
inline constexpr size_t kFdsPerMessage = 16;

class ManagerProxy;

class BusClient {
public:
    // Connects to the bus; throws Failure "cannot connect to the system bus: REASON".
    explicit BusClient(BusKind bus);
    ~BusClient();
    BusClient(const BusClient&) = delete;
    BusClient& operator=(const BusClient&) = delete;

    // Manager.Send. The daemon receives its own duplicate of `file`. Throws Failure.
    TransferRef send(const UniqueFd& file, const std::string& destination,
                     const std::map<std::string, sdbus::Variant>& options);

    // Manager.SendTree with the first descriptors of `files`, then Manager.AddFiles on
    // the daemon that answered until all are passed, each closed here once a message
    // holds its own copy. `files`: the non-empty files the manifest lists, in its order.
    // Throws Failure.
    TransferRef send_tree(const UniqueFd& folder, const std::vector<uint8_t>& manifest,
                          std::vector<UniqueFd> files, const std::string& destination,
                          const std::map<std::string, sdbus::Variant>& options);

    // Manager.Get: returns once the transfer of what was asked for has begun here.
    // Throws Failure.
    TransferRef get(const std::string& source, const std::string& name,
                    const std::map<std::string, sdbus::Variant>& options);

    // Manager.ListTransfers. Throws Failure.
    std::vector<TransferRow> list_transfers();
    // Fills in what ListTransfers leaves out from the row's Transfer object, in one call:
    // files and files_done, and encryption and skipped when `encryption`. False, with the row as it
    // was, when the transfer is gone meanwhile.
    bool fill_in(TransferRow& row, bool encryption);

    // Manager.CancelTransfer. Throws Failure with the daemon's message.
    void cancel_transfer(uint32_t id);
    // The same, asked of the daemon that took the transfer and of no other.
    void cancel_transfer(const TransferRef& transfer);

    // Manager.Reload. Throws Failure "reload refused: MESSAGE" when the daemon says no.
    void reload();

    // Manager.GetStats. Throws Failure.
    DaemonStats stats();

    // The transfer with this id on the daemon that owns the well-known name now.
    TransferRef transfer_by_id(uint32_t id);

    // All Transfer properties at once. Throws sdbus::Error as it comes: what an error means
    // depends on whether the transfer was known a moment ago.
    TransferSnapshot transfer_snapshot(const TransferRef& transfer);

    // "system bus" or "session bus".
    const char* bus_label() const;

    // The one line that explains a failed call to the daemon.
    Failure failure(const sdbus::Error& e) const;

    // The one line that explains why a transfer that was being followed cannot be any more.
    Failure lost(const sdbus::Error& e, uint32_t id) const;

private:
    BusKind bus_;
    std::unique_ptr<sdbus::IConnection> connection_;
    std::unique_ptr<ManagerProxy> manager_;
};

// Whether `e` says nobody owns the bus name that was called.
bool is_name_without_owner(const sdbus::Error& e);

// Whether `e` says the daemon has no such transfer (no object at its path).
bool is_unknown_transfer(const sdbus::Error& e);

} // namespace streamd::ctl

// What the bus asks of the daemon it steers: the seam between control/ and the daemon
// that wires the layers together. Control thread only.
#pragma once

#include "config/config.hpp"
#include "config/tls_contexts.hpp"
#include "transfer/outgoing_scheduler.hpp"
#include "transfer/transfer_registry.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace streamd {

enum class CancelOutcome { Canceled, NoSuchTransfer, AlreadyFinished };

// A received file or folder to fetch from another daemon (docs/PROTOCOL.md, Fetching).
struct GetRequest {
    Destination source;
    std::string name;
    std::string as; // the name to store it under; empty: its own
    unsigned streams = 0;
    uint32_t chunk_size = 0;
};

class DaemonControl {
public:
    virtual const Config& config() const = 0;
    virtual TransferRegistry& registry() = 0;
    virtual const std::string& listen_address() const = 0;
    virtual const TlsContexts& tls() const = 0;
    // Microseconds since the Unix epoch.
    virtual uint64_t started_at() const = 0;

    // Queues a transfer. Throws std::invalid_argument, std::system_error.
    virtual uint32_t send(SendRequest request) = 0;
    // A folder as one transfer, queued once its last files are in; the same throws.
    virtual uint32_t send_tree(TreeRequest request) = 0;
    virtual void add_files(uint32_t id, const std::string& owner, std::vector<UniqueFd> files) = 0;
    // Asks `request.source` for what it names. `done` runs once, on the control thread:
    // with the local id of the incoming transfer once the peer's OFFER of it has been
    // taken, or with 0 and why nothing comes.
    virtual void get(GetRequest request,
                     std::function<void(uint32_t id, const std::string& error)> done) = 0;
    // `reason` becomes the transfer's error, e.g. "canceled by root".
    virtual CancelOutcome cancel(uint32_t id, const std::string& reason) = 0;
    // Re-reads the configuration file and applies what can change while running.
    // Throws ConfigError and then changes nothing; returns the changed settings that
    // need a restart and were left as they were.
    virtual std::vector<std::string> reload() = 0;
    // The daemon cannot go on (its bus is gone): it stops as on SIGTERM, with status 1.
    virtual void fail(const std::string& why) = 0;

protected:
    ~DaemonControl() = default;
};

} // namespace streamd

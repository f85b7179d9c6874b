// Outgoing transfers from the moment they are queued until they end: at most max_active
// run at once while the others wait in order, host names are looked up off the loop, a
// lost connection is tried again after a pause that doubles, and the state folder
// carries unfinished transfers over a restart. Control thread only.
#pragma once

#include "config/config.hpp"
#include "engine/destination.hpp"
#include "engine/resolver.hpp"
#include "transfer/outgoing_state.hpp"
#include "transfer/outgoing_transfer.hpp"
#include "transfer/transfer_queue.hpp"
#include "transfer/transfers.hpp"
#include "tree_manifest.hpp"
#include "unique_fd.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace streamd {

struct SendRequest {
    UniqueFd file;
    Destination destination;
    std::string name;
    unsigned streams = 0;    // 0: from the configuration
    uint32_t chunk_size = 0; // 0: from the configuration
    uint64_t max_rate = 0;   // bytes per second for this transfer; 0: no limit of its own
    // The id the receiver knows the transfer by, when it chose one (it asked for the file
    // with PULL); otherwise a random one.
    std::optional<proto::TransferId> id = std::nullopt;
};

// A folder to send as one transfer (source_data.hpp), whose files may come in several
// calls: descriptors pass over D-Bus at most a few hundred to a message.
struct TreeRequest {
    UniqueFd folder;
    std::vector<uint8_t> manifest; // encoded, as the caller gave it
    std::vector<UniqueFd> files;   // the first of its non-empty files
    Destination destination;
    std::string name;
    unsigned streams = 0;
    uint32_t chunk_size = 0;
    uint64_t max_rate = 0;
    std::string owner; // the caller, the only one that may add the rest
    std::vector<Transfer::Skipped> skipped;
    std::optional<proto::TransferId> id = std::nullopt; // as SendRequest's
};

class OutgoingScheduler {
public:
    using Clock = std::chrono::steady_clock;

    // Throws std::system_error when the state folder cannot be made.
    OutgoingScheduler(Transfers& transfers, Config::Transfer settings,
                      const Config::Storage& storage);

    // Queues a transfer; throws std::invalid_argument, std::system_error.
    uint32_t send(SendRequest request);
    // Takes a folder's manifest and its first files, and queues it once every file is in
    // (add_files). Returns the transfer's id; throws std::invalid_argument.
    uint32_t send_tree(TreeRequest request);
    // The next files of a tree that send_tree() did not queue yet; throws
    // std::invalid_argument.
    void add_files(uint32_t id, const std::string& owner, std::vector<UniqueFd> files);
    // Queues again what the state folder says was unfinished at the last stop.
    void pick_up_saved();
    // A canceled transfer leaves the queue, or has its streams closed and its receiver told.
    void canceled(const std::shared_ptr<OutgoingTransfer>& t);
    // Every stream of `t` is gone while it is unfinished (Transfers::streams_gone).
    void reconnect_later(const std::shared_ptr<OutgoingTransfer>& t);
    // Settings from a reload, for the transfers queued from now on; a larger max_active
    // starts waiting ones at once.
    void set_settings(const Config::Transfer& settings, SyncMode sync);
    // About once a second: starts the attempts that are due.
    void tick(Clock::time_point now);
    // A name looked up off the control thread, as for a transfer leaving the queue.
    void resolve(Destination destination, Resolver::Done done) {
        resolver_.resolve(std::move(destination), std::move(done));
    }

private:
    proto::Offer make_offer(uint64_t size, unsigned streams, uint32_t chunk_size,
                            const struct stat& st, std::string name) const;
    void enqueue(const std::shared_ptr<OutgoingTransfer>& t);
    void start_waiting();
    void ended(uint32_t id);

    Transfers& transfers_;
    Config::Transfer settings_;
    OutgoingState state_;
    TransferQueue queue_;
    struct Reconnect {
        std::shared_ptr<OutgoingTransfer> transfer;
        Clock::time_point due;
    };
    std::vector<Reconnect> reconnects_;
    // Trees whose files are still coming, by transfer id.
    struct Gathering {
        proto::Offer offer;
        proto::TreeManifest manifest;
        std::vector<uint64_t> sizes; // of the non-empty files, in order
        std::vector<UniqueFd> files;
        Destination destination;
        uint64_t max_rate = 0;
        std::string owner;
        std::vector<Transfer::Skipped> skipped;
        Clock::time_point due; // dropped unless the next files come before
    };
    std::map<uint32_t, Gathering> gathering_;
    // Checks and takes `files` as the next of `g`; queues it once all are in.
    void gather(uint32_t id, Gathering& g, std::vector<UniqueFd> files);
    // Last: its thread reports lookups, which must not outlive what they report to.
    Resolver resolver_;
};

} // namespace streamd

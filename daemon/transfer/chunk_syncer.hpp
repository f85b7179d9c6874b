// Verified chunks made durable before the journal vouches for them
// (storage/synced_journal.hpp): once a batch is due, the partial file and its journal are
// synced on the connection's ring, one batch at a time for each connection.
#pragma once

#include "engine/sync_group.hpp"
#include "storage/synced_journal.hpp"
#include "transfer/incoming_transfer.hpp"

#include <memory>
#include <optional>

namespace streamd {

class ChunkSyncer {
public:
    // The syncs complete on `owner` as Op::ChunkSync, whose handler passes them to
    // on_complete().
    explicit ChunkSyncer(Connection& owner) : sync_(owner, Op::ChunkSync) {}

    // A chunk of `t` is written and verified: starts a sync when a batch of `t` is due and
    // no sync is in flight.
    void chunk_done(const std::shared_ptr<IncomingTransfer>& t);

    struct Failure {
        std::shared_ptr<IncomingTransfer> transfer;
        int error; // -errno
    };
    // One sync came back with `res`. Once the whole batch has, it is recorded; a sync that
    // failed while its transfer still runs comes back for the caller to fail it (past
    // FINISH the file's own sync decides).
    std::optional<Failure> on_complete(int res);

private:
    SyncGroup sync_;
    std::shared_ptr<IncomingTransfer> transfer_; // whose batch is in flight
    JournalBatch batch_;
};

} // namespace streamd

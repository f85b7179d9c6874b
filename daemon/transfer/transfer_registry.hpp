// Every transfer the daemon knows of, by local id, and the running incoming ones by
// their wire id so that later streams can join them. Touched when streams start and
// end and by the control thread, never on the data path.
#pragma once

#include "native_frames.hpp"
#include "transfer/incoming_transfer.hpp"
#include "transfer/transfer.hpp"
#include "transfer/transfer_stats.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace streamd {

class TransferRegistry {
public:
    uint32_t next_id() { return next_id_.fetch_add(1, std::memory_order_relaxed); }

    void add(std::shared_ptr<Transfer> t);
    // Registers a running incoming transfer; false when its wire id is taken.
    bool add_incoming(const proto::TransferId& wire_id, std::shared_ptr<IncomingTransfer> t);
    std::shared_ptr<IncomingTransfer> find_incoming(const proto::TransferId& wire_id) const;
    void forget_incoming(const proto::TransferId& wire_id);
    // Incoming transfers still running.
    size_t incoming_count() const;

    std::shared_ptr<Transfer> get(uint32_t id) const;
    std::vector<std::shared_ptr<Transfer>> all() const;
    // Forgets a finished transfer; its bytes and result stay in the totals.
    void remove(uint32_t id);
    TransferStats stats() const;
    Totals totals() const { return stats().totals(); }

private:
    std::atomic<uint32_t> next_id_{1};
    mutable std::mutex mutex_;
    std::map<uint32_t, std::shared_ptr<Transfer>> by_id_;
    std::map<proto::TransferId, std::shared_ptr<IncomingTransfer>> incoming_;
    TransferStats removed_; // of the transfers no longer in by_id_
};

} // namespace streamd

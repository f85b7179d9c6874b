// The journal kept behind the data: a chunk is recorded as verified only after a sync of
// the partial file has covered it, so that after a power cut the journal never vouches
// for data the disk never got. Chunks wait in a batch until enough of them do for one
// sync to be worth its cost; without [storage] sync they are recorded at once.
#pragma once

#include "storage/transfer_journal.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace streamd {

// Data a batch gathers before it asks for a sync: each sync of a partial file also
// commits the file system's journal, so a few per second at full speed, while a power
// cut costs at most this much sent again per transfer.
inline constexpr uint64_t kSyncBatchBytes = uint64_t{16} << 20;

// Chunks a sync is to cover, and the journal to sync with them, so that the records of
// the batches before reach the disk as well.
struct JournalBatch {
    uint64_t id = 0;  // 0: no batch
    UniqueFd journal; // a descriptor of its own, open however the journal fares meanwhile

    explicit operator bool() const { return id != 0; }
};

class SyncedJournal {
public:
    // `syncs`: whether chunks wait for a sync (true) or are recorded at once.
    SyncedJournal(std::unique_ptr<TransferJournal> journal, bool syncs)
        : journal_(std::move(journal)), syncs_(syncs) {}

    bool syncs() const { return syncs_; }

    // Any thread. A chunk written and verified: recorded at once without syncing,
    // otherwise it waits for take_batch(). False when the journal could not be written
    // (a failure that costs only a re-send after a resume).
    bool add(const JournalEntry& entry, uint64_t bytes);
    // Any thread: the chunks waiting as a batch, once at least kSyncBatchBytes of them
    // do, else none. The caller syncs the file's data, which covers every chunk taken,
    // and the journal, then has the batch recorded.
    JournalBatch take_batch();
    // Any thread: a sync covered batch `id`; false when the journal could not be written.
    bool record(uint64_t id);

    // The transfer ended with its partial kept for a resume: syncs the data, then records
    // every chunk waiting or in a batch whose sync has not come back, and syncs the
    // journal, here and now, so that a resume sends them no more. False when the disk
    // or the journal said no.
    bool flush(const std::function<bool()>& sync_data);
    // The partial is put in place or let go: what comes later is not recorded.
    void close();

private:
    std::mutex mutex_;
    std::unique_ptr<TransferJournal> journal_;
    const bool syncs_;
    std::vector<JournalEntry> waiting_;
    uint64_t waiting_bytes_ = 0;
    std::map<uint64_t, std::vector<JournalEntry>> syncing_; // batches by id
    uint64_t last_batch_ = 0;
};

} // namespace streamd

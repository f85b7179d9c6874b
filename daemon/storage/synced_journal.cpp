#include "storage/synced_journal.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <utility>

namespace streamd {

bool SyncedJournal::add(const JournalEntry& entry, uint64_t bytes) {
    std::lock_guard lock(mutex_);
    if (!journal_) return true;
    if (!syncs_) return journal_->record(entry);
    waiting_.push_back(entry);
    waiting_bytes_ += bytes;
    return true;
}

JournalBatch SyncedJournal::take_batch() {
    std::lock_guard lock(mutex_);
    if (!journal_ || waiting_.empty() || waiting_bytes_ < kSyncBatchBytes) return {};
    waiting_bytes_ = 0;
    syncing_[++last_batch_] = std::exchange(waiting_, {});
    return {last_batch_, UniqueFd(::fcntl(journal_->fd(), F_DUPFD_CLOEXEC, 0))};
}

bool SyncedJournal::record(uint64_t id) {
    std::lock_guard lock(mutex_);
    auto batch = syncing_.find(id);
    if (!journal_ || batch == syncing_.end()) return true;
    bool ok = true;
    for (const auto& entry : batch->second)
        ok = journal_->record(entry) && ok;
    syncing_.erase(batch);
    return ok;
}

bool SyncedJournal::flush(const std::function<bool()>& sync_data) {
    std::lock_guard lock(mutex_);
    if (!journal_ || (waiting_.empty() && syncing_.empty())) return true;
    auto chunks = std::exchange(waiting_, {});
    waiting_bytes_ = 0;
    for (auto& [id, batch] : syncing_)
        chunks.insert(chunks.end(), batch.begin(), batch.end());
    syncing_.clear();
    if (!sync_data()) return false;
    bool ok = true;
    for (const auto& entry : chunks)
        ok = journal_->record(entry) && ok;
    return ::fdatasync(journal_->fd()) == 0 && ok;
}

void SyncedJournal::close() {
    std::lock_guard lock(mutex_);
    journal_.reset();
    waiting_.clear();
    waiting_bytes_ = 0;
    syncing_.clear();
}

} // namespace streamd

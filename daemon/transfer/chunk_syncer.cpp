#include "transfer/chunk_syncer.hpp"

#include <utility>

namespace streamd {

void ChunkSyncer::chunk_done(const std::shared_ptr<IncomingTransfer>& t) {
    if (sync_.busy()) return;
    batch_ = t->take_sync_batch();
    if (!batch_) return;
    transfer_ = t;
    sync_.start({t->file(), batch_.journal.get()}, true);
}

std::optional<ChunkSyncer::Failure> ChunkSyncer::on_complete(int res) {
    const auto all = sync_.on_complete(res);
    if (!all) return std::nullopt;
    const JournalBatch batch = std::exchange(batch_, {});
    auto t = std::exchange(transfer_, nullptr);
    if (*all == 0) {
        t->chunks_synced(batch);
        return std::nullopt;
    }
    if (t->state() != TransferState::Running) return std::nullopt;
    return Failure{std::move(t), *all};
}

} // namespace streamd

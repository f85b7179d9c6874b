// A transfer this daemon receives: the partial file and its journal, or the partial
// folder of a tree, and which chunks are in it. Shared by the streams that carry it, which may live
// on different worker threads; each chunk has an atomic state so that no two streams ever write the
// same chunk.
#pragma once

#include "native_frames.hpp"
#include "storage/partial_tree.hpp"
#include "storage/storage.hpp"
#include "storage/synced_journal.hpp"
#include "transfer/file_spans.hpp"
#include "transfer/transfer.hpp"
#include "tree_manifest.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

class IncomingTransfer : public Transfer {
public:
    // Picks up the partial an earlier attempt left (partial_file.hpp), checking every
    // chunk its journal names against the data, or creates a new one; with a manifest, a
    // partial folder (partial_tree.hpp) instead. Throws Refusal.
    IncomingTransfer(uint32_t id, const proto::Offer& offer, std::string peer,
                     const Storage& storage, std::optional<proto::TreeManifest> manifest);
    ~IncomingTransfer() override;

    const proto::Offer& offer() const { return offer_; }
    // The partial file; -1 for a tree.
    int file() const { return file_.get(); }
    bool tree() const { return tree_ != nullptr; }
    // Of a tree: the files a range of its data falls on, and one of them opened for
    // writing (throws Refusal).
    std::vector<proto::Extent> extents(uint64_t offset, uint64_t length) const {
        return layout_->extents(offset, length);
    }
    UniqueFd open_file(size_t entry) const { return tree_->open_file(entry, O_WRONLY); }
    uint32_t files() const override { return spans_ ? spans_->files() : 1; }
    uint32_t files_done() const override;
    // What ACCEPT asks for: the chunks not in the file yet, as chunk-aligned ranges.
    std::vector<proto::Range> missing() const;
    // How the partial was found ("resumed", "taken over from …"; empty for a new one),
    // and how many of its chunks were found intact.
    const std::string& origin() const { return origin_; }
    uint64_t chunks_present() const { return chunks_present_; }

    // Takes a chunk for writing; false when it is in progress or done already.
    bool claim_chunk(uint64_t index);
    // Records a chunk written and verified: in memory at once, in the journal once a
    // sync has covered its data (synced_journal.hpp).
    void complete_chunk(uint64_t index, uint64_t digest, uint64_t length);
    void release_chunk(uint64_t index);
    // A chunk's data is in the file: kept (complete_chunk) when `found`, its digest as it
    // arrived, matches `sent`, what the sender said it is, or when nothing is verified;
    // otherwise given back to be sent again, with a warning. True when kept.
    bool chunk_written(uint64_t index, uint64_t sent, std::optional<uint64_t> found,
                       uint64_t length);
    // Whether written data waits for the disk ([storage] sync) before it counts.
    bool syncs() const { return syncs_; }
    // Chunks waiting for a sync of file() and the journal before the journal records
    // them, once enough do; then chunks_synced() records them. A tree's wait for the
    // transfer to break off (see the constructor).
    JournalBatch take_sync_batch() { return tree_ ? JournalBatch{} : journal_->take_batch(); }
    void chunks_synced(const JournalBatch& batch);
    // Whether the chunk is written and verified.
    bool has_chunk(uint64_t index) const;
    bool all_chunks_done() const;

    // Putting the file in place (durable_commit.hpp), in two steps. seal() checks the
    // whole-file digest and gives the file its mode and mtime (a tree: syncs it, when
    // syncs()); a digest that does not match removes the partial: what is in it cannot
    // be trusted. place() renames it into
    // place and returns the name it got. Both throw Refusal.
    void seal(const proto::FileDigest& digest);
    std::string place();
    // The incoming folder, to sync after place().
    int folder() const { return storage_.dir(); }

    // Removes the partial now: the transfer was canceled here or given up by the sender.
    void discard();
    // A new attempt of the same transfer takes the partial over; this one lets go of it
    // without removing it.
    void hand_over();

    void attach_stream() { streams_.fetch_add(1, std::memory_order_relaxed); }
    // The last stream to go ends an unfinished transfer and lets go of the partial,
    // which stays for a resume if it holds anything. True when that is what failed the
    // transfer (rather than an error some stream reported first).
    bool detach_stream();

private:
    enum ChunkState : uint8_t { Missing, Writing, Written };

    void restore(const std::vector<JournalEntry>& entries);
    // The digest of what the partial holds at a chunk's place; none when it cannot be read.
    std::optional<uint64_t> digest_on_disk(uint64_t offset, uint64_t length) const;
    void remove_partial();
    void journal_unwritable();
    // Closes the partial; removes it unless it is worth keeping for a resume.
    void let_go();

    const proto::Offer offer_;
    const Storage& storage_;
    bool syncs_;
    UniqueFd file_;
    // A tree's, and whether this transfer still holds it (file_ says so for a file).
    std::unique_ptr<PartialTree> tree_;
    std::optional<proto::TreeLayout> layout_;
    std::optional<FileSpans> spans_;
    bool holds_tree_ = false;
    // Lives as long as the transfer: streams on other threads may still hand it chunks
    // after the partial is put in place or let go, which it then ignores.
    std::unique_ptr<SyncedJournal> journal_;
    std::string origin_;
    uint64_t chunks_present_ = 0;
    std::unique_ptr<std::atomic<uint8_t>[]> chunk_state_;
    std::vector<uint64_t> digests_; // slot i written once, by the stream that wrote chunk i
    std::atomic<uint64_t> chunks_done_{0};
    std::atomic<unsigned> streams_{0};
    // Under the storage's partials lock.
    bool handed_over_ = false;
    bool discarded_ = false;
    std::atomic<bool> journal_failed_{false};
};

} // namespace streamd

#include "transfer/incoming_transfer.hpp"

#include "digest.hpp"
#include "engine/mapped_region.hpp"
#include "size_units.hpp"
#include "storage/partial_file.hpp"
#include "transfer/transfer_log.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <system_error>
#include <unistd.h>

namespace streamd {

IncomingTransfer::IncomingTransfer(uint32_t id, const proto::Offer& offer, std::string peer,
                                   const Storage& storage,
                                   std::optional<proto::TreeManifest> manifest)
    : Transfer(id, Direction::In, offer.name, std::move(peer), offer.size, offer.stream_count,
               offer.chunk_size, TransferState::Running),
      offer_(offer), storage_(storage), syncs_(storage.syncs()),
      chunk_state_(std::make_unique<std::atomic<uint8_t>[]>(offer.chunk_count())),
      digests_(offer.chunk_count(), 0) {
    auto lock = storage.lock_partials();
    PartialFile partial = find_partial(storage, offer);
    // A refusal leaves what an earlier attempt left for a later one, when there is room.
    storage.check_offer(offer, partial.allocated);
    if (manifest) {
        const bool kept = partial.exists();
        partial.file.reset();
        tree_ = std::make_unique<PartialTree>(storage, offer.id, std::move(*manifest), kept);
        if (!tree_->reused()) {
            partial = {};
            storage.discard(Storage::journal_name(offer.id));
            try {
                partial.journal = create_journal(storage, offer);
            } catch (const Refusal&) {
                tree_->discard();
                throw;
            }
        }
        layout_.emplace(tree_->manifest());
        spans_.emplace(tree_->manifest(), offer.chunk_size);
        holds_tree_ = true;
    } else {
        if (!partial.exists()) partial = create_partial(storage, offer);
        file_ = std::move(partial.file);
    }
    // A tree's chunks are spread over many files, too many to sync one by one: its journal
    // records each chunk at once, and a resume reads back every chunk it names.
    const bool batches = syncs_ && (!manifest || offer.digest == proto::DigestAlgorithm::None);
    journal_ = std::make_unique<SyncedJournal>(std::move(partial.journal), batches);
    origin_ = std::move(partial.origin);
    storage.hold(offer.id);
    restore(partial.entries);
}

IncomingTransfer::~IncomingTransfer() {
    auto lock = storage_.lock_partials();
    let_go();
}

uint32_t IncomingTransfer::files_done() const {
    if (state() == TransferState::Done) return files();
    if (!spans_) return 0;
    return spans_->complete(offer_.chunk_count(), [&](uint64_t c) {
        return chunk_state_[c].load(std::memory_order_relaxed) == Written;
    });
}

void IncomingTransfer::restore(const std::vector<JournalEntry>& entries) {
    for (const auto& e : entries) {
        if (chunk_state_[e.index].load(std::memory_order_relaxed) == Written &&
            digests_[e.index] == e.digest)
            continue;
        const uint64_t offset = e.index * offer_.chunk_size;
        const uint64_t length = std::min<uint64_t>(offer_.chunk_size, offer_.size - offset);
        // The journal says what arrived; the data has to agree (a crash of the machine can
        // lose data the journal recorded).
        if (offer_.digest != proto::DigestAlgorithm::None &&
            digest_on_disk(offset, length) != e.digest)
            continue;
        if (chunk_state_[e.index].exchange(Written, std::memory_order_relaxed) != Written) {
            ++chunks_present_;
            add_bytes(length);
        }
        digests_[e.index] = e.digest;
    }
    chunks_done_.store(chunks_present_, std::memory_order_release);
}

std::optional<uint64_t> IncomingTransfer::digest_on_disk(uint64_t offset, uint64_t length) const {
    try {
        if (!tree_) {
            MappedRegion region(file_.get(), offset, length);
            return proto::chunk_digest(offer_.digest, region.bytes());
        }
        std::vector<uint8_t> bytes(length);
        size_t at = 0;
        for (const auto& e : layout_->extents(offset, length)) {
            UniqueFd file = tree_->open_file(e.entry, O_RDONLY);
            for (uint64_t done = 0; done < e.length;) {
                const ssize_t n = ::pread(file.get(), bytes.data() + at, e.length - done,
                                          static_cast<off_t>(e.file_offset + done));
                if (n <= 0) return std::nullopt;
                done += static_cast<uint64_t>(n);
                at += static_cast<size_t>(n);
            }
        }
        return proto::chunk_digest(offer_.digest, bytes);
    } catch (const std::system_error&) {
        return std::nullopt;
    } catch (const Refusal&) {
        return std::nullopt;
    }
}

std::vector<proto::Range> IncomingTransfer::missing() const {
    std::vector<proto::Range> ranges;
    for (uint64_t i = 0; i < offer_.chunk_count(); ++i) {
        if (chunk_state_[i].load(std::memory_order_relaxed) == Written) continue;
        const uint64_t offset = i * offer_.chunk_size;
        const uint64_t length = std::min<uint64_t>(offer_.chunk_size, offer_.size - offset);
        if (!ranges.empty() && ranges.back().offset + ranges.back().length == offset)
            ranges.back().length += length;
        else
            ranges.push_back({offset, length});
    }
    return ranges;
}

bool IncomingTransfer::has_chunk(uint64_t index) const {
    return chunk_state_[index].load(std::memory_order_acquire) == Written;
}

bool IncomingTransfer::claim_chunk(uint64_t index) {
    uint8_t expected = Missing;
    return chunk_state_[index].compare_exchange_strong(expected, Writing,
                                                       std::memory_order_acquire);
}

void IncomingTransfer::complete_chunk(uint64_t index, uint64_t digest, uint64_t length) {
    digests_[index] = digest;
    if (journal_ && !journal_->add({index, digest}, length)) journal_unwritable();
    chunk_state_[index].store(Written, std::memory_order_relaxed);
    add_bytes(length);
    // Release: a stream that sees the final count also sees every digest.
    chunks_done_.fetch_add(1, std::memory_order_release);
}

void IncomingTransfer::chunks_synced(const JournalBatch& batch) {
    if (journal_ && !journal_->record(batch.id)) journal_unwritable();
}

void IncomingTransfer::journal_unwritable() {
    if (!journal_failed_.exchange(true))
        log_transfer(spdlog::level::warn, *this,
                     "cannot write the journal of {}; a resume will send more again", name());
}

bool IncomingTransfer::chunk_written(uint64_t index, uint64_t sent, std::optional<uint64_t> found,
                                     uint64_t length) {
    if (found && *found != sent) {
        log_transfer(spdlog::level::warn, *this,
                     "chunk at offset {} failed verification, asking again",
                     index * offer_.chunk_size);
        release_chunk(index);
        return false;
    }
    complete_chunk(index, sent, length);
    return true;
}

void IncomingTransfer::release_chunk(uint64_t index) {
    chunk_state_[index].store(Missing, std::memory_order_release);
}

bool IncomingTransfer::all_chunks_done() const {
    return chunks_done_.load(std::memory_order_acquire) == offer_.chunk_count();
}

bool IncomingTransfer::detach_stream() {
    if (streams_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
    bool failed = fail(Failure::Connection, "every stream closed before the transfer finished");
    auto lock = storage_.lock_partials();
    let_go();
    return failed;
}

void IncomingTransfer::let_go() {
    const bool holds = tree_ ? std::exchange(holds_tree_, false) : static_cast<bool>(file_);
    if (!holds) return;
    storage_.let_go(offer_.id);
    const bool doomed = storage_.take_doomed(offer_.id);
    const bool kept =
        !handed_over_ && !discarded_ && !doomed && chunks_done_.load(std::memory_order_acquire) > 0;
    // Blocks this thread for one sync, once per broken-off transfer: cheaper than sending
    // what waited for a batch again.
    if (kept &&
        !journal_->flush([this] { return tree_ ? tree_->sync() : ::fdatasync(file_.get()) == 0; }))
        journal_unwritable();
    file_.reset();
    journal_->close();
    if (handed_over_ || discarded_) return;
    if (!kept) return remove_partial();
    log_transfer(spdlog::level::info, *this, "partial {} of {} kept for a resume ({} of {} chunks)",
                 tree_ ? "folder" : "file", name(), chunks_done_.load(std::memory_order_relaxed),
                 offer_.chunk_count());
}

void IncomingTransfer::remove_partial() {
    if (tree_)
        tree_->discard();
    else
        storage_.discard(Storage::partial_name(offer_.id));
    storage_.discard(Storage::journal_name(offer_.id));
}

void IncomingTransfer::discard() {
    auto lock = storage_.lock_partials();
    if (handed_over_ || discarded_ || state() == TransferState::Done) return;
    discarded_ = true;
    remove_partial();
}

void IncomingTransfer::hand_over() {
    auto lock = storage_.lock_partials();
    handed_over_ = true;
}

void IncomingTransfer::seal(const proto::FileDigest& digest) {
    advance(TransferState::Verifying);
    if (!all_chunks_done())
        throw Refusal{proto::ErrorCode::BadFrame, "FINISH before every chunk arrived"};
    if (offer_.digest != proto::DigestAlgorithm::None &&
        proto::file_digest(offer_.digest, digests_) != digest) {
        discard();
        throw Refusal{proto::ErrorCode::DigestMismatch,
                      "whole-file digest does not match; the file was not kept"};
    }
    if (!tree_) return storage_.stamp(file_.get(), offer_);
    if (syncs_ && !tree_->sync())
        throw Refusal{proto::ErrorCode::IoError,
                      std::string("cannot write the folder: ") + std::strerror(errno)};
}

std::string IncomingTransfer::place() {
    auto lock = storage_.lock_partials();
    if (handed_over_) throw Refusal{proto::ErrorCode::Canceled, "the sender started over"};
    if (finished()) throw Refusal{proto::ErrorCode::Canceled, error()};
    std::string stored =
        tree_ ? tree_->place(offer_) : storage_.place(Storage::partial_name(offer_.id), offer_);
    holds_tree_ = false;
    storage_.discard(Storage::journal_name(offer_.id));
    file_.reset();
    journal_->close();
    storage_.let_go(offer_.id);
    return stored;
}

} // namespace streamd

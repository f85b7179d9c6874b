#include "transfer/outgoing_transfer.hpp"

#include "digest.hpp"

#include <algorithm>
#include <utility>

namespace streamd {

OutgoingTransfer::OutgoingTransfer(uint32_t id, SourceData source, proto::Offer offer,
                                   Destination destination, uint64_t max_rate)
    : Transfer(id, Direction::Out, offer.name, destination.to_string(), offer.size,
               offer.stream_count, offer.chunk_size, TransferState::Queued),
      source_(std::move(source)), offer_(std::move(offer)), destination_(std::move(destination)),
      rate_limit_(max_rate), digests_(offer_.chunk_count(), 0), known_(offer_.chunk_count(), 0) {
    if (!source_.tree()) return;
    manifest_ = proto::encode_manifest(source_.manifest());
    spans_.emplace(source_.manifest(), offer_.chunk_size);
    chunk_in_ = std::make_unique<std::atomic<uint8_t>[]>(offer_.chunk_count());
}

uint32_t OutgoingTransfer::files_done() const {
    if (state() == TransferState::Done) return files();
    if (!spans_ || state() < TransferState::Running) return 0;
    return spans_->complete(offer_.chunk_count(), [&](uint64_t c) {
        return chunk_in_[c].load(std::memory_order_relaxed) != 0;
    });
}

void OutgoingTransfer::start(const proto::Accept& accept) {
    scheduler_ = std::make_unique<ChunkScheduler>(offer_.size, offer_.chunk_size, accept.missing);
    uint64_t missing = 0;
    for (const auto& r : accept.missing)
        missing += r.length;
    if (chunk_in_) {
        for (uint64_t c = 0; c < offer_.chunk_count(); ++c)
            chunk_in_[c].store(1, std::memory_order_relaxed);
        for (const auto& r : accept.missing)
            for (uint64_t c = r.offset / offer_.chunk_size;
                 c * offer_.chunk_size < r.offset + r.length; ++c)
                chunk_in_[c].store(0, std::memory_order_relaxed);
    }
    set_bytes(offer_.size - std::min(offer_.size, missing));
    acked_.store(0, std::memory_order_relaxed);
    set_accepted_once();
    advance(TransferState::Running);
}

bool OutgoingTransfer::joinable() const {
    std::lock_guard lock(join_mutex_);
    return joinable_;
}

std::vector<uint16_t> OutgoingTransfer::open_for_joins() {
    std::lock_guard lock(join_mutex_);
    joinable_ = true;
    return std::exchange(gave_up_early_, {});
}

bool OutgoingTransfer::start_again(uint16_t index) {
    std::lock_guard lock(join_mutex_);
    if (!joinable_) gave_up_early_.push_back(index);
    return joinable_;
}

void OutgoingTransfer::next_attempt() {
    {
        std::lock_guard lock(join_mutex_);
        joinable_ = false;
        gave_up_early_.clear();
    }
    lost_.store(false, std::memory_order_release);
}

bool OutgoingTransfer::acknowledge(uint64_t index, uint64_t length) {
    add_bytes(length);
    if (chunk_in_) chunk_in_[index].store(1, std::memory_order_relaxed);
    failed_attempts_.store(0, std::memory_order_relaxed);
    // acq_rel: the stream that sees the last acknowledgement also sees every digest
    // recorded by the streams that sent the chunks.
    return acked_.fetch_add(1, std::memory_order_acq_rel) + 1 == scheduler_->total();
}

proto::FileDigest OutgoingTransfer::file_digest() {
    if (offer_.digest == proto::DigestAlgorithm::None) return {};
    for (uint64_t i = 0; i < digests_.size(); ++i) {
        if (known_[i]) continue;
        const uint64_t offset = i * offer_.chunk_size;
        record_digest(
            i, source_.digest(offset, std::min<uint64_t>(offer_.chunk_size, offer_.size - offset)));
    }
    return proto::file_digest(digests_);
}

bool OutgoingTransfer::lose(const std::string& reason) {
    if (finished() || lost_.exchange(true, std::memory_order_acq_rel)) return false;
    failed_attempts_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard lock(lost_mutex_);
    lost_reason_ = reason;
    return true;
}

std::string OutgoingTransfer::lost_reason() const {
    std::lock_guard lock(lost_mutex_);
    return lost_reason_;
}

} // namespace streamd

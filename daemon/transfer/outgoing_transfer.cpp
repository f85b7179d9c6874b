#include "transfer/outgoing_transfer.hpp"

#include "digest.hpp"
#include "engine/mapped_region.hpp"

#include <algorithm>
#include <sys/stat.h>

namespace streamd {

OutgoingTransfer::OutgoingTransfer(uint32_t id, UniqueFd source, proto::Offer offer,
                                   Destination destination, uint64_t max_rate)
    : Transfer(id, Direction::Out, offer.name, destination.to_string(), offer.size,
               offer.stream_count, offer.chunk_size, TransferState::Queued),
      source_(std::move(source)), offer_(std::move(offer)), destination_(std::move(destination)),
      rate_limit_(max_rate), digests_(offer_.chunk_count(), 0), known_(offer_.chunk_count(), 0) {
    struct stat st {};
    sparse_ = ::fstat(source_.get(), &st) == 0 &&
              static_cast<uint64_t>(st.st_blocks) * 512 < static_cast<uint64_t>(st.st_size);
}

void OutgoingTransfer::start(const proto::Accept& accept) {
    scheduler_ = std::make_unique<ChunkScheduler>(offer_.size, offer_.chunk_size, accept.missing);
    uint64_t missing = 0;
    for (const auto& r : accept.missing)
        missing += r.length;
    set_bytes(offer_.size - std::min(offer_.size, missing));
    acked_.store(0, std::memory_order_relaxed);
    set_accepted_once();
    advance(TransferState::Running);
}

bool OutgoingTransfer::acknowledge(uint64_t length) {
    add_bytes(length);
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
        MappedRegion region(source_.get(), offset,
                            std::min<uint64_t>(offer_.chunk_size, offer_.size - offset));
        record_digest(i, proto::chunk_digest(region.bytes()));
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

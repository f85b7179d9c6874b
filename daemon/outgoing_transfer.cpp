#include "outgoing_transfer.hpp"

#include "digest.hpp"

#include <sys/stat.h>

namespace streamd {

OutgoingTransfer::OutgoingTransfer(uint32_t id, UniqueFd source, proto::Offer offer,
                                   Destination destination)
    : Transfer(id, Direction::Out, offer.name, destination.to_string(), offer.size,
               offer.stream_count, offer.chunk_size, TransferState::Queued),
      source_(std::move(source)), offer_(std::move(offer)), destination_(std::move(destination)),
      digests_(offer_.chunk_count(), 0) {
    struct stat st {};
    sparse_ = ::fstat(source_.get(), &st) == 0 &&
              static_cast<uint64_t>(st.st_blocks) * 512 < static_cast<uint64_t>(st.st_size);
}

void OutgoingTransfer::start(const proto::Accept& accept) {
    scheduler_ = std::make_unique<ChunkScheduler>(offer_.size, offer_.chunk_size, accept.missing);
    advance(TransferState::Running);
}

bool OutgoingTransfer::acknowledge(uint64_t length) {
    add_bytes(length);
    // acq_rel: the stream that sees the last acknowledgement also sees every digest
    // recorded by the streams that sent the chunks.
    return acked_.fetch_add(1, std::memory_order_acq_rel) + 1 == scheduler_->total();
}

proto::FileDigest OutgoingTransfer::file_digest() const {
    if (offer_.digest == proto::DigestAlgorithm::None) return {};
    return proto::file_digest(digests_);
}

} // namespace streamd

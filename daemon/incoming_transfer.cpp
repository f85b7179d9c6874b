#include "incoming_transfer.hpp"

#include "digest.hpp"

namespace streamd {

IncomingTransfer::IncomingTransfer(uint32_t id, const proto::Offer& offer, std::string peer,
                                   const Storage& storage)
    : Transfer(id, Direction::In, offer.name, std::move(peer), offer.size, offer.stream_count,
               offer.chunk_size, TransferState::Running),
      offer_(offer), storage_(storage), partial_name_(Storage::partial_name(offer.id)),
      file_(storage.create_partial(partial_name_, offer.size)),
      chunk_state_(std::make_unique<std::atomic<uint8_t>[]>(offer.chunk_count())),
      digests_(offer.chunk_count(), 0) {}

IncomingTransfer::~IncomingTransfer() {
    // Holding the file means the partial is still ours: neither renamed nor discarded.
    if (file_) storage_.discard(partial_name_);
}

bool IncomingTransfer::claim_chunk(uint64_t index) {
    uint8_t expected = Missing;
    return chunk_state_[index].compare_exchange_strong(expected, Writing,
                                                       std::memory_order_acquire);
}

void IncomingTransfer::complete_chunk(uint64_t index, uint64_t digest, uint64_t length) {
    digests_[index] = digest;
    chunk_state_[index].store(Written, std::memory_order_relaxed);
    add_bytes(length);
    // Release: a stream that sees the final count also sees every digest.
    chunks_done_.fetch_add(1, std::memory_order_release);
}

void IncomingTransfer::release_chunk(uint64_t index) {
    chunk_state_[index].store(Missing, std::memory_order_release);
}

bool IncomingTransfer::all_chunks_done() const {
    return chunks_done_.load(std::memory_order_acquire) == offer_.chunk_count();
}

bool IncomingTransfer::detach_stream() {
    if (streams_.fetch_sub(1, std::memory_order_acq_rel) != 1 || !file_) return false;
    storage_.discard(partial_name_);
    file_.reset();
    return fail("every stream closed before the transfer finished");
}

std::string IncomingTransfer::commit(const proto::FileDigest& digest) {
    advance(TransferState::Verifying);
    if (!all_chunks_done())
        throw Refusal{proto::ErrorCode::BadFrame, "FINISH before every chunk arrived"};
    if (offer_.digest != proto::DigestAlgorithm::None && proto::file_digest(digests_) != digest)
        throw Refusal{proto::ErrorCode::DigestMismatch,
                      "whole-file digest does not match; the file was not kept"};
    std::string stored = storage_.commit(file_.get(), partial_name_, offer_);
    file_.reset();
    return stored;
}

} // namespace streamd

// A transfer this daemon receives: the partial file and which chunks are in it.
// Shared by the streams that carry it, which may live on different worker threads;
// each chunk has an atomic state so that no two streams ever write the same chunk.
#pragma once

#include "native_frames.hpp"
#include "storage.hpp"
#include "transfer.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <memory>
#include <vector>

namespace streamd {

class IncomingTransfer : public Transfer {
public:
    // Creates the partial file; throws Refusal.
    IncomingTransfer(uint32_t id, const proto::Offer& offer, std::string peer,
                     const Storage& storage);
    // Removes the partial file unless it was renamed into place or discarded already.
    ~IncomingTransfer() override;

    const proto::Offer& offer() const { return offer_; }
    int file() const { return file_.get(); }

    // Takes a chunk for writing; false when it is in progress or done already.
    bool claim_chunk(uint64_t index);
    void complete_chunk(uint64_t index, uint64_t digest, uint64_t length);
    void release_chunk(uint64_t index);
    bool all_chunks_done() const;

    // Checks the whole-file digest and renames into place; throws Refusal.
    std::string commit(const proto::FileDigest& digest);

    void attach_stream() { streams_.fetch_add(1, std::memory_order_relaxed); }
    // The last stream to go takes an unfinished transfer down with it: without resume,
    // a partial file nobody will complete is only clutter. True when that is what
    // failed the transfer (rather than an error some stream reported first).
    bool detach_stream();

private:
    enum ChunkState : uint8_t { Missing, Writing, Written };

    const proto::Offer offer_;
    const Storage& storage_;
    const std::string partial_name_;
    UniqueFd file_;
    std::unique_ptr<std::atomic<uint8_t>[]> chunk_state_;
    std::vector<uint64_t> digests_; // slot i written once, by the stream that wrote chunk i
    std::atomic<uint64_t> chunks_done_{0};
    std::atomic<unsigned> streams_{0};
};

} // namespace streamd

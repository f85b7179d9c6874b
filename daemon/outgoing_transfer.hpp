// A transfer this daemon sends: the caller's file, where to, and how far it got.
#pragma once

#include "chunk_scheduler.hpp"
#include "destination.hpp"
#include "native_frames.hpp"
#include "transfer.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <memory>
#include <vector>

namespace streamd {

class OutgoingTransfer : public Transfer {
public:
    // Starts out queued; `destination` is what the caller asked for.
    OutgoingTransfer(uint32_t id, UniqueFd source, proto::Offer offer, Destination destination);

    const proto::Offer& offer() const { return offer_; }
    const Destination& destination() const { return destination_; }
    // Every address the destination resolved to, in the resolver's order. Stream 0
    // tries them in turn; the others use the one that answered it. Set once, before
    // the first stream starts.
    const std::vector<PeerAddress>& addresses() const { return addresses_; }
    void set_addresses(std::vector<PeerAddress> a) { addresses_ = std::move(a); }
    size_t chosen_address() const { return chosen_.load(std::memory_order_relaxed); }
    void choose_address(size_t i) { chosen_.store(i, std::memory_order_relaxed); }
    int source() const { return source_.get(); }
    // Files with holes are sent hole-aware; dense files skip the SEEK_DATA probe.
    bool sparse() const { return sparse_; }

    // Set once, by stream 0 when the receiver accepted; read by the streams after.
    void start(const proto::Accept& accept);
    ChunkScheduler& scheduler() { return *scheduler_; }

    void record_digest(uint64_t index, uint64_t digest) { digests_[index] = digest; }
    // Counts an acknowledged chunk; true for the call that acknowledged the last one.
    bool acknowledge(uint64_t length);
    proto::FileDigest file_digest() const;
    // Counted before a stream is handed to its worker, so that the count cannot reach
    // zero while more streams are on their way.
    void attach_stream() { streams_.fetch_add(1, std::memory_order_relaxed); }
    // The last stream gives the caller's file back; only then can no operation still
    // name its descriptor.
    void detach_stream() {
        if (streams_.fetch_sub(1, std::memory_order_acq_rel) == 1) source_.reset();
    }
    // A transfer that ends before any stream started gives the file back here.
    void release_source() {
        if (streams_.load(std::memory_order_acquire) == 0) source_.reset();
    }

private:
    UniqueFd source_;
    const proto::Offer offer_;
    const Destination destination_;
    std::vector<PeerAddress> addresses_;
    std::atomic<size_t> chosen_{0};
    bool sparse_ = false;
    std::unique_ptr<ChunkScheduler> scheduler_;
    std::vector<uint64_t> digests_;
    std::atomic<uint64_t> acked_{0};
    std::atomic<unsigned> streams_{0};
};

} // namespace streamd

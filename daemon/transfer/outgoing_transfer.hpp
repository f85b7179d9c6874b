// A transfer this daemon sends: the caller's file or folder, where to, and how far it got.
#pragma once

#include "engine/destination.hpp"
#include "engine/rate_limit.hpp"
#include "native_frames.hpp"
#include "transfer/chunk_scheduler.hpp"
#include "transfer/file_spans.hpp"
#include "transfer/source_data.hpp"
#include "transfer/transfer.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

class OutgoingTransfer : public Transfer {
public:
    // Starts out queued; `destination` is what the caller asked for, `max_rate` its own
    // limit in bytes per second (0: none).
    OutgoingTransfer(uint32_t id, SourceData source, proto::Offer offer, Destination destination,
                     uint64_t max_rate = 0);

    const proto::Offer& offer() const { return offer_; }
    const Destination& destination() const { return destination_; }
    // Every address the destination resolved to, in the resolver's order. Stream 0
    // tries them in turn; the others use the one that answered it. Set once, before
    // the first stream starts.
    const std::vector<PeerAddress>& addresses() const { return addresses_; }
    void set_addresses(std::vector<PeerAddress> a) { addresses_ = std::move(a); }
    size_t chosen_address() const { return chosen_.load(std::memory_order_relaxed); }
    void choose_address(size_t i) { chosen_.store(i, std::memory_order_relaxed); }
    const SourceData& source() const { return source_; }
    // Of a tree: its manifest as the OFFER's MANIFEST frames carry it.
    const std::vector<uint8_t>& manifest() const { return manifest_; }
    // What all of its streams send goes through this.
    RateLimit& rate_limit() { return rate_limit_; }

    // Set by stream 0 of each attempt when the receiver accepted; read by the streams
    // after. The receiver's ranges say what it still needs.
    void start(const proto::Accept& accept);
    ChunkScheduler& scheduler() { return *scheduler_; }

    // Streams 1… of an attempt connect while stream 0 waits for the receiver's ACCEPT,
    // and each sends its JOIN once that has come: over a long link this saves them two
    // round trips. Whether it has come, for this attempt.
    bool joinable() const;
    // Stream 0's ACCEPT came (after start()): the streams that gave up before it, which
    // are to start again now.
    std::vector<uint16_t> open_for_joins();
    // Stream `index` gave up before it could JOIN: true if it is to start again now,
    // false if open_for_joins() will name it.
    bool start_again(uint16_t index);

    void record_digest(uint64_t index, uint64_t digest) {
        digests_[index] = digest;
        known_[index] = 1;
    }
    // Counts an acknowledged chunk; true for the call that acknowledged the last one.
    bool acknowledge(uint64_t index, uint64_t length);
    uint32_t files() const override { return spans_ ? spans_->files() : 1; }
    uint32_t files_done() const override;
    // Hashes the chunks the receiver had before this attempt and this process never read
    // (after a restart); throws std::system_error when the file cannot be read.
    proto::FileDigest file_digest();

    // A stream lost its connection (a drop, not a refusal): true for the first stream of
    // this attempt to say so, which then has its siblings closed; the transfer tries
    // again once they are all gone (Daemon::streams_gone).
    bool lose(const std::string& reason);
    bool lost() const { return lost_.load(std::memory_order_acquire); }
    std::string lost_reason() const;
    // Attempts in a row that ended in a lost connection without a chunk acknowledged.
    unsigned failed_attempts() const { return failed_attempts_.load(std::memory_order_relaxed); }
    // Whether the receiver ever accepted this transfer: only then is a lost connection
    // worth another attempt (a first connection that fails is a mistake to report).
    bool accepted_once() const { return accepted_once_.load(std::memory_order_relaxed); }
    void set_accepted_once() { accepted_once_.store(true, std::memory_order_relaxed); }
    // Ready for the next attempt; the control thread calls it when no stream is left.
    void next_attempt();

    // Counted before a stream is handed to its worker, so that the count cannot reach
    // zero while more streams are on their way.
    void attach_stream() { streams_.fetch_add(1, std::memory_order_relaxed); }
    // True for the last stream. A finished transfer gives the caller's file back then:
    // only then can no operation still name its descriptor.
    bool detach_stream() {
        if (streams_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
        if (finished()) give_back_source();
        return true;
    }
    // A transfer that ends while no stream runs gives the file back here.
    void release_source() {
        if (streams_.load(std::memory_order_acquire) == 0) give_back_source();
    }

private:
    // Both of the above may see the end at once.
    void give_back_source() {
        if (!source_released_.exchange(true, std::memory_order_acq_rel)) source_.release();
    }

    SourceData source_;
    std::vector<uint8_t> manifest_;
    std::atomic<bool> source_released_{false};
    const proto::Offer offer_;
    const Destination destination_;
    std::vector<PeerAddress> addresses_;
    std::atomic<size_t> chosen_{0};
    RateLimit rate_limit_;
    std::unique_ptr<ChunkScheduler> scheduler_;
    std::vector<uint64_t> digests_;
    std::vector<uint8_t>
        known_; // per chunk: digests_ holds its digest (bytes, not bits: set by different threads)
    std::atomic<uint64_t> acked_{0};
    // Of a folder: its files' chunks, and which chunks the receiver has.
    std::optional<FileSpans> spans_;
    std::unique_ptr<std::atomic<uint8_t>[]> chunk_in_;
    std::atomic<unsigned> streams_{0};
    std::atomic<bool> lost_{false};
    std::atomic<unsigned> failed_attempts_{0};
    std::atomic<bool> accepted_once_{false};
    mutable std::mutex join_mutex_;
    bool joinable_ = false;
    std::vector<uint16_t> gave_up_early_;
    mutable std::mutex lost_mutex_;
    std::string lost_reason_;
};

} // namespace streamd

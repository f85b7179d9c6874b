// The receiving end of one stream: handshake, then chunks spliced from the socket
// through a pipe into the partial file at their offsets.
#pragma once

#include "auth_proof.hpp"
#include "engine/connection.hpp"
#include "engine/socket_to_file.hpp"
#include "engine/sync_group.hpp"
#include "native_frames.hpp"
#include "port/arrival.hpp"
#include "transfer/chunk_syncer.hpp"
#include "transfer/durable_commit.hpp"
#include "transfer/incoming_transfer.hpp"
#include "transfer/transfers.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

class ReceiveStream : public Connection {
public:
    ReceiveStream(Worker& worker, Transfers& transfers, Arrival arrival);
    ~ReceiveStream() override;

    void start() override;
    void internal_error(const std::string& what) override {
        abandon(Failure::Other, "internal error: " + what);
    }
    uint32_t transfer_id() const override { return transfer_ ? transfer_->id() : 0; }
    void cancel() override;
    void check_time(Clock::time_point now) override;

private:
    enum class Reading { Preamble, Header, Body };

    void read_exact(Reading what, size_t n);
    void on_recv(int res) override;
    // A whole preamble, frame header or frame body is in in_.
    void have_read();
    void on_preamble();
    void on_frame(std::span<const uint8_t> body);
    void on_auth(std::span<const uint8_t> body);
    void on_offer(std::span<const uint8_t> body);
    void on_manifest(std::span<const uint8_t> body);
    // The transfer is taken: ACCEPT says what is still missing.
    void accepted(const proto::Offer& offer);
    void on_join(std::span<const uint8_t> body);
    void on_cancel(std::span<const uint8_t> body);
    void on_pull(std::span<const uint8_t> body);
    void on_chunk(std::span<const uint8_t> body);
    void on_finish(std::span<const uint8_t> body);

    void on_socket_read(int res) override;
    void on_file_write(int res) override;
    // Of a tree: the next file the chunk's data goes into.
    void write_extent();
    void data_step(Step step);
    bool verifying() const;
    void chunk_arrived();
    void on_chunk_sync(int res) override;
    // The steps after FINISH (durable_commit.hpp), then DONE.
    void commit_step();
    void on_commit_sync(int res) override;

    void on_send(int res) override;
    // Tells the peer why, then closes; fails the transfer if there is one.
    void refuse(proto::ErrorCode code, std::string message);
    // Closes without a word (the peer is gone or misbehaved at the socket level).
    void abandon(Failure kind, const std::string& reason);

    Transfers& transfers_;
    std::string peer_;
    Admission admission_;
    bool peer_on_loopback_;
    bool plain_refused_;
    // What the peer's AUTH must hold, from WELCOME until it has come.
    std::optional<proto::AuthProof> expected_proof_;
    std::shared_ptr<IncomingTransfer> transfer_;

    Reading reading_ = Reading::Preamble;
    std::array<uint8_t, proto::kMaxBody> in_{};
    size_t want_ = 0;
    size_t have_ = 0;
    proto::FrameHeader header_{};

    proto::Chunk chunk_{};
    SocketToFile data_{*this}; // the data of the chunk whose header came last
    // Of a tree: the files that data goes into, and the one it is going into now.
    std::vector<proto::Extent> extents_;
    size_t extent_ = 0;
    UniqueFd target_;
    // A tree's OFFER and its manifest as it arrives, until the manifest is whole.
    std::optional<proto::Offer> tree_offer_;
    std::vector<uint8_t> manifest_;
    ChunkSyncer chunk_syncer_{*this};
    std::optional<DurableCommit> commit_;
    SyncGroup commit_sync_{*this, Op::CommitSync};

    bool close_after_send_ = false;
};

} // namespace streamd

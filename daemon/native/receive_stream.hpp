// The receiving end of one stream: handshake, then chunks spliced from the socket
// through a pipe into the partial file at their offsets.
#pragma once

#include "port/admission.hpp"
#include "auth_proof.hpp"
#include "engine/connection.hpp"
#include "digest.hpp"
#include "transfer/incoming_transfer.hpp"
#include "native_frames.hpp"
#include "engine/splice_pipe.hpp"

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

class ReceiveStream : public Connection {
public:
    ReceiveStream(Worker& worker, UniqueFd fd, std::string peer, Admission admission,
                  bool peer_on_loopback);
    ~ReceiveStream() override;

    void start() override;
    void internal_error(const std::string& what) override { abandon("internal error: " + what); }
    uint32_t transfer_id() const override { return transfer_ ? transfer_->id() : 0; }
    void cancel() override;
    void check_time(Clock::time_point now, const Config::Limits& limits) override;

private:
    enum class Reading { Preamble, Header, Body };

    void read_exact(Reading what, size_t n);
    void on_recv(int res) override;
    void on_preamble();
    // A browser, not a peer: the socket and what came so far go to an HttpConnection.
    void hand_over_to_http();
    void on_frame(std::span<const uint8_t> body);
    void on_auth(std::span<const uint8_t> body);
    void on_offer(std::span<const uint8_t> body);
    void on_join(std::span<const uint8_t> body);
    void on_cancel(std::span<const uint8_t> body);
    void on_chunk(std::span<const uint8_t> body);
    void on_finish(std::span<const uint8_t> body);

    void data_in();
    void on_data_in(int res) override;
    void received(int res);
    void on_tee(int res) override;
    void data_out();
    void on_data_out(int res) override;
    bool fall_back_to_copy(int res, const char* what);
    bool verifying() const;
    void hash_teed();
    void chunk_arrived();

    void on_send(int res) override;
    // After an ERROR is out: waits for the peer's close before closing.
    void linger();
    // Tells the peer why, then closes; fails the transfer if there is one.
    void refuse(proto::ErrorCode code, std::string message);
    // Closes without a word (the peer is gone or misbehaved at the socket level).
    void abandon(const std::string& reason);

    std::string peer_;
    Admission admission_;
    bool peer_on_loopback_;
    // What the peer's AUTH must hold, from WELCOME until it has come.
    std::optional<proto::AuthProof> expected_proof_;
    std::shared_ptr<IncomingTransfer> transfer_;

    Reading reading_ = Reading::Preamble;
    std::array<uint8_t, proto::kMaxBody> in_{};
    size_t want_ = 0;
    size_t have_ = 0;
    proto::FrameHeader header_{};

    proto::Chunk chunk_{};
    uint64_t chunk_left_ = 0; // bytes still to come from the socket
    uint64_t write_at_ = 0;   // file offset of the next byte to write
    uint64_t buffered_ = 0;   // bytes in the pipe (or copy buffer) not yet written
    uint64_t buffer_pos_ = 0; // copy mode: written part of the buffer
    proto::ChunkHasher hasher_;
    std::unique_ptr<SplicePipe> pipe_;
    // Splice mode with verification: each piece is teed into this pipe and hashed from
    // there, so the bytes are read once more from memory and never from the file.
    std::unique_ptr<SplicePipe> tee_pipe_;
    uint64_t teed_ = 0; // bytes in tee_pipe_
    // Splice mode: the tee and the write are linked behind the read in flight, and what
    // that read returned when it was not data (handled once the write is back too).
    bool linked_out_ = false;
    int in_failure_ = 0;
    std::unique_ptr<uint8_t[]> copy_buffer_;

    bool close_after_send_ = false;
    bool lingering_ = false;
    Clock::time_point lingering_since_{};
};

} // namespace streamd

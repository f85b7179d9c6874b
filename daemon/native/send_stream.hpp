// The sending end of one stream: connect, handshake, then pull chunks and splice them
// from the page cache through a pipe into the socket, while acknowledgements come back.
#pragma once

#include "engine/connection.hpp"
#include "engine/file_to_socket.hpp"
#include "native_frames.hpp"
#include "transfer/outgoing_transfer.hpp"
#include "transfer/transfers.hpp"

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

class SendStream : public Connection {
public:
    SendStream(Worker& worker, Transfers& transfers, std::shared_ptr<OutgoingTransfer> transfer,
               uint16_t index);
    // A connection that only tells the receiver that the transfer was canceled here, so
    // that it removes the partial file rather than keep it for a resume.
    static std::unique_ptr<SendStream> cancel_notice(Worker& worker, Transfers& transfers,
                                                     std::shared_ptr<OutgoingTransfer> transfer);
    ~SendStream() override;

    void start() override;
    void internal_error(const std::string& what) override {
        fail(Failure::Other, "internal error: " + what);
    }
    // A notice is not one of the transfer's streams: closing those leaves it be.
    uint32_t transfer_id() const override { return notice_ ? 0 : transfer_->id(); }
    void cancel() override;
    void check_time(Clock::time_point now) override;

private:
    enum class Phase { Connecting, AwaitWelcome, AwaitAccept, Running, Finishing };
    enum class Sending { Nothing, Header, Data };
    struct Unacked {
        uint64_t offset;
        uint32_t length;
    };

    void connect();
    void on_connect(int res) override;
    void on_handshake(int res) override;
    // The preamble, once the connection is up (and encrypted, when it is).
    void start_protocol();
    void read_more();
    void on_recv(int res) override;
    void on_frame(const proto::FrameHeader& h, std::span<const uint8_t> body);
    void on_welcome(std::span<const uint8_t> body);
    void on_accept(std::span<const uint8_t> body);
    void on_ack(std::span<const uint8_t> body);
    void on_done(std::span<const uint8_t> body);

    void next_chunk();
    // Takes the next chunk this stream should send and computes its digest; nullopt
    // when there is none, or when reading the source failed (then the stream is closing).
    std::optional<proto::Chunk> take_chunk();
    // A tree's manifest, in MANIFEST frames after its OFFER.
    void send_manifest();
    // The next file range of the chunk whose data is going out.
    void send_piece();
    void on_file_read(int res) override;
    void on_socket_write(int res) override;
    void on_pause(int res) override;
    void body_step(Step step);
    void finish_if_idle();

    void finish();

    void on_send(int res) override;
    // The connection failed under a send: the receive in flight says the rest.
    void broken(std::string reason);
    // The connection is gone: the transfer tries again if it can, or fails.
    void lost(std::string reason);
    // The transfer cannot succeed.
    void fail(Failure kind, std::string reason);

    Transfers& transfers_;
    std::shared_ptr<OutgoingTransfer> transfer_;
    const uint16_t index_;
    bool notice_ = false;
    Phase phase_ = Phase::Connecting;
    size_t address_ = 0;                // index into the transfer's addresses
    TlsTransport* encrypted_ = nullptr; // the transport, when it is TLS
    bool plain_ = false;                // TLS is not for this peer

    std::array<uint8_t, 2 * (proto::kHeaderSize + proto::kMaxBody)> in_{};
    size_t in_len_ = 0;

    Sending state_ = Sending::Nothing;

    FileToSocket body_{*this}; // the data of the chunk whose header went out last
    uint64_t data_offset_ = 0;
    uint64_t data_length_ = 0;
    std::vector<SourcePiece> pieces_; // of that data: one, or one per file of a tree
    size_t piece_ = 0;                // the one going out
    // Taken and hashed while the chunk before it was on the wire.
    std::optional<proto::Chunk> next_;

    std::deque<Unacked> unacked_;
    std::vector<uint64_t> resend_;
    std::map<uint64_t, unsigned> failures_;
    bool exhausted_ = false;
    std::string broken_;
};

} // namespace streamd

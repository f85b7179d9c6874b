// The sending end of one stream: connect, handshake, then pull chunks and splice them
// from the page cache through a pipe into the socket, while acknowledgements come back.
#pragma once

#include "engine/file_to_socket.hpp"
#include "native/outgoing_connection.hpp"
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

class SendStream : public OutgoingConnection {
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
    // Streams 1… connect while stream 0 waits for its ACCEPT; one that is welcomed before
    // then waits in AwaitJoin.
    enum class Phase { Connecting, AwaitWelcome, AwaitJoin, AwaitAccept, Running, Finishing };
    enum class Sending { Nothing, Header, Data };
    struct Unacked {
        uint64_t offset;
        uint32_t length;
    };

    const std::string& peer() const override { return transfer_->peer(); }
    const std::vector<PeerAddress>& addresses() const override { return transfer_->addresses(); }
    // Stream 0 finds the address the peer listens at; the others use it.
    bool tries_every_address() const override { return index_ == 0; }
    void connected(size_t address) override;
    void protocol_started(const std::string& how) override;
    void welcomed() override;
    void on_peer_frame(const proto::FrameHeader& h, std::span<const uint8_t> body) override;
    void ended(int res) override;
    void transfer_accepted() override;
    void join();
    // A stream that started before the transfer was accepted and failed before its JOIN:
    // stream 0 reports what the receiver thinks of the transfer, so this one leaves
    // quietly and starts again once it is accepted. False for any other stream.
    bool gave_up_early();
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
    void lost(std::string reason) override;
    // The transfer cannot succeed.
    void fail(Failure kind, std::string reason) override;

    std::shared_ptr<OutgoingTransfer> transfer_;
    const uint16_t index_;
    bool notice_ = false;
    bool early_ = false; // started before the receiver accepted the transfer
    bool siblings_started_ = false;
    Phase phase_ = Phase::Connecting;

    Sending state_ = Sending::Nothing;

    FileToSocket body_{*this}; // the data of the chunk whose header went out last
    uint64_t data_offset_ = 0;
    uint64_t data_length_ = 0;
    std::vector<SourcePiece> pieces_; // of that data: one, or one per file of a tree
    size_t piece_ = 0;                // the one going out

    std::deque<Unacked> unacked_;
    std::vector<uint64_t> resend_;
    std::map<uint64_t, unsigned> failures_;
    bool exhausted_ = false;
    std::string broken_;
};

} // namespace streamd

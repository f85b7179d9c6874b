// A connection this daemon opens to a peer's port, as a sender opens its streams and a
// fetch asks for a file: the peer's addresses tried in turn, TLS with the key where the
// settings and the peer allow it, the preamble, the peer's WELCOME answered with AUTH,
// and then the peer's frames, each handed over whole.
#pragma once

#include "engine/connection.hpp"
#include "engine/destination.hpp"
#include "native_frames.hpp"
#include "transfer/transfer.hpp"
#include "transfer/transfers.hpp"

#include <array>
#include <span>
#include <string>
#include <vector>

namespace streamd {

class TlsTransport;

class OutgoingConnection : public Connection {
protected:
    OutgoingConnection(Worker& worker, Transfers& transfers)
        : Connection(worker, nullptr), transfers_(transfers) {}

    // Connects to the `address`th of the peer's addresses.
    void connect(size_t address);
    // The peer as users name it, "host:port".
    virtual const std::string& peer() const = 0;
    virtual const std::vector<PeerAddress>& addresses() const = 0;
    // Whether a refused connection tries the peer's next address.
    virtual bool tries_every_address() const = 0;
    // The connection is up (and the peer is known to listen at `address`).
    virtual void connected(size_t /*address*/) {}
    // Encrypted or not as `how` says ("none", "TLS1.3 …"), the preamble is out.
    virtual void protocol_started(const std::string& /*how*/) {}
    // WELCOME is answered (AUTH is out where the peer asked for it): the first frame of
    // the connection's own may follow at once.
    virtual void welcomed() = 0;
    // A frame other than WELCOME; throws proto::FrameError for one it does not expect.
    virtual void on_peer_frame(const proto::FrameHeader& h, std::span<const uint8_t> body) = 0;
    // The peer closed the connection (res 0) or it broke (res < 0).
    virtual void ended(int res) = 0;
    // The connection is gone, and trying again may help.
    virtual void lost(std::string reason) = 0;
    // What the connection was for cannot happen.
    virtual void fail(Failure kind, std::string reason) = 0;

    // Frames going out: one that broke the connection loses it.
    void on_send(int res) override;

    Transfers& transfers_;

private:
    void on_connect(int res) override;
    void on_handshake(int res) override;
    void start_protocol();
    void read_more();
    void on_recv(int res) override;
    void on_welcome(std::span<const uint8_t> body);

    size_t address_ = 0;
    TlsTransport* encrypted_ = nullptr; // the transport, when it is TLS
    bool plain_ = false;                // TLS is not for this peer
    bool welcomed_ = false;
    std::array<uint8_t, 2 * (proto::kHeaderSize + proto::kMaxBody)> in_{};
    size_t in_len_ = 0;
};

} // namespace streamd

// What carries a connection's bytes to and from the wire. Connections and their data
// paths never touch the socket themselves: they read and write through their transport,
// and splice only through the descriptor it names. `PlainSocket` hands the socket to the
// ring as it is; `TlsTransport` (tls_transport.hpp) encrypts between the ring and the
// connection, under every protocol without the protocols changing.
#pragma once

#include "engine/completion_tag.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <liburing.h>
#include <optional>
#include <span>
#include <string>

namespace streamd {

class Connection;

class Transport {
public:
    virtual ~Transport() = default;

    // Starts reading what comes into `into` / writing `bytes` out; completes on `c` as
    // `op`, with the number of bytes (0 at the end of the stream) or -errno. Short
    // reads and writes are normal. One read and one write at a time.
    virtual void recv(Connection& c, Op op, std::span<uint8_t> into, int flags) = 0;
    virtual void send(Connection& c, Op op, std::span<const uint8_t> bytes, int flags) = 0;
    // A completion of an operation this transport issued for `op`: the result the
    // connection sees, or nothing while the transport goes on by itself.
    virtual std::optional<int> completed(Connection&, Op, int res) { return res; }
    // The descriptors that splice may move the connection's bytes out to and in from,
    // or -1 where the bytes on the wire are not the connection's own that way; the
    // data paths copy then.
    virtual int splice_out_fd() const = 0;
    virtual int splice_in_fd() const = 0;
    // SHUT_RD, SHUT_WR or SHUT_RDWR; wakes the operations waiting on the wire.
    virtual void shutdown(int how);
    // The socket, for what only a socket has (connect, options).
    int socket() const { return fd_.get(); }
    // Gives the socket up, to go on under another transport.
    UniqueFd take_socket() { return std::move(fd_); }
    // How the bytes travel, for people: "none", or the protocol and cipher.
    virtual std::string encryption() const { return "none"; }

protected:
    explicit Transport(UniqueFd fd) : fd_(std::move(fd)) {}
    // A submission entry whose completion comes back to `c` as `op`.
    static io_uring_sqe* prepare(Connection& c, Op op);

    UniqueFd fd_;
};

class PlainSocket final : public Transport {
public:
    explicit PlainSocket(UniqueFd fd) : Transport(std::move(fd)) {}

    void recv(Connection& c, Op op, std::span<uint8_t> into, int flags) override {
        io_uring_prep_recv(prepare(c, op), fd_.get(), into.data(), into.size(), flags);
    }
    void send(Connection& c, Op op, std::span<const uint8_t> bytes, int flags) override {
        io_uring_prep_send(prepare(c, op), fd_.get(), bytes.data(), bytes.size(), flags);
    }
    int splice_out_fd() const override { return fd_.get(); }
    int splice_in_fd() const override { return fd_.get(); }
};

} // namespace streamd

// What carries a connection's bytes to and from the wire. Connections and their data
// paths never touch the socket themselves: they have the transport prepare their reads
// and writes, and splice only through the descriptor it names. A plain TCP socket is the
// only transport today; an encrypted one takes its place under every protocol without
// the protocols changing.
#pragma once

#include "unique_fd.hpp"

#include <cstdint>
#include <liburing.h>
#include <span>

namespace streamd {

class Transport {
public:
    virtual ~Transport() = default;

    // Fills in `sqe` to read what comes into `into` / to write `bytes` out.
    virtual void prepare_recv(io_uring_sqe* sqe, std::span<uint8_t> into, int flags) = 0;
    virtual void prepare_send(io_uring_sqe* sqe, std::span<const uint8_t> bytes, int flags) = 0;
    // The descriptor that splice may move the connection's bytes through, or -1 where
    // the bytes on the wire are not the connection's own; the data paths copy then.
    virtual int splice_fd() const = 0;
    // SHUT_RD, SHUT_WR or SHUT_RDWR; wakes the operations waiting on the wire.
    virtual void shutdown(int how) = 0;
    // The socket, for what only a socket has (connect, options).
    virtual int socket() const = 0;
    // Gives the socket up, to go on under another connection.
    virtual UniqueFd release() = 0;
};

class PlainSocket final : public Transport {
public:
    explicit PlainSocket(UniqueFd fd) : fd_(std::move(fd)) {}

    void prepare_recv(io_uring_sqe* sqe, std::span<uint8_t> into, int flags) override {
        io_uring_prep_recv(sqe, fd_.get(), into.data(), into.size(), flags);
    }
    void prepare_send(io_uring_sqe* sqe, std::span<const uint8_t> bytes, int flags) override {
        io_uring_prep_send(sqe, fd_.get(), bytes.data(), bytes.size(), flags);
    }
    int splice_fd() const override { return fd_.get(); }
    void shutdown(int how) override;
    int socket() const override { return fd_.get(); }
    UniqueFd release() override { return std::move(fd_); }

private:
    UniqueFd fd_;
};

} // namespace streamd

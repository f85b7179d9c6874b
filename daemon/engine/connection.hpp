// A TCP connection driven by one worker's ring for its whole life, its bytes carried by a
// Transport.
#pragma once

#include "engine/completion_tag.hpp"
#include "engine/transport.hpp"
#include "native_frames.hpp"
#include "unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <liburing.h>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace streamd {

class Worker;

class Connection {
public:
    using Clock = std::chrono::steady_clock;

    // A connection without a socket yet (one that will connect) gets one with
    // set_transport().
    Connection(Worker& worker, std::unique_ptr<Transport> transport)
        : worker_(worker), transport_(std::move(transport)) {}
    virtual ~Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    virtual void start() = 0;
    // The local id of the transfer this connection carries, 0 for none.
    virtual uint32_t transfer_id() const = 0;
    // Whether the transfer with this local id goes through this connection.
    virtual bool carries(uint32_t id) const { return transfer_id() == id; }

    // Ends all I/O; the worker frees the connection once nothing is in flight.
    void close();
    // The transfer this connection carries was given up elsewhere.
    virtual void cancel() { close(); }
    // The receiver accepted the transfer this connection carries, on another connection.
    virtual void transfer_accepted() {}
    // A completion handler threw; the connection reports it as it reports any failure.
    virtual void internal_error(const std::string& what) = 0;
    bool closing() const { return closing_; }

    // Called about once a second, unless lingering: ends a connection that has been
    // waiting too long.
    virtual void check_time(Clock::time_point now) = 0;

protected:
    // One handler for each operation a connection may have in flight; a connection
    // overrides those it issues, and a completion it did not ask for is an internal error.
    virtual void on_connect(int res);
    virtual void on_handshake(int res);
    virtual void on_recv(int res);
    virtual void on_send(int res);
    virtual void on_file_read(int res);
    virtual void on_socket_write(int res);
    virtual void on_socket_read(int res);
    virtual void on_file_write(int res);
    virtual void on_chunk_sync(int res);
    virtual void on_commit_sync(int res);
    virtual void on_pause(int res);

    // A submission entry whose completion comes back to the handler for `op`.
    io_uring_sqe* prepare(Op op);
    // Reads what comes from the wire into `into`; completes as Op::Recv.
    void receive(std::span<uint8_t> into, int flags = 0);
    // Only between operations: nothing may be in flight.
    void set_transport(std::unique_ptr<Transport> transport) { transport_ = std::move(transport); }
    Transport& transport() { return *transport_; }

    // Small frames (handshakes, chunk headers, acknowledgements) leave in order, one
    // send in flight at a time; what is queued meanwhile follows it.
    // `flags` go with the send that starts now, if one does (MSG_MORE).
    template <typename Frame> void send_frame(const Frame& f, int flags = 0) {
        proto::encode(f, outbox_);
        flush(flags);
    }
    void send_bytes(std::span<const uint8_t> bytes, int flags = 0);
    void flush(int flags = 0);
    // Accounts for a completed Op::Send (res >= 0); true once everything queued is out.
    bool sent(int res);
    // Ends this connection without touching its transport, which goes on in another
    // one. Only between operations: nothing may be in flight.
    std::unique_ptr<Transport> give_up_transport();

    // Half-closes, then reads and drops until the peer closes too, or for 5 s at most,
    // before closing: closing a socket with unread data resets the connection, and a
    // reset can overtake (or a middlebox can drop) the last words on their way.
    void linger();
    bool lingering() const { return lingering_since_.has_value(); }

    Worker& worker_;
    Clock::time_point started_at_ = Clock::now();
    // When an operation of this connection last completed.
    Clock::time_point active_at_ = started_at_;

private:
    friend class Worker;
    friend class Transport;    // submits on the connection's behalf, too
    friend class FileToSocket; // issue their operations on the connection's behalf
    friend class SocketToFile;
    friend class SyncGroup;
    void complete(Op op, int res);
    void drain();
    // fsync(2) of `fd` off the loop, or fdatasync(2) when `data_only`; completes as `op`.
    void sync_file(int fd, Op op, bool data_only);

    std::unique_ptr<Transport> transport_;
    uint32_t slot_ = 0;
    uint32_t generation_ = 0;
    unsigned inflight_ = 0;
    bool closing_ = false;
    std::optional<Clock::time_point> lingering_since_;
    std::unique_ptr<uint8_t[]> drain_buffer_;

    std::vector<uint8_t> outbox_;
    std::vector<uint8_t> sending_;
    size_t sent_ = 0;
};

} // namespace streamd

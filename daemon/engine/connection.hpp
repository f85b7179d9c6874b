// A TCP connection driven by one worker's ring for its whole life.
#pragma once

#include "config/config.hpp"
#include "native_frames.hpp"
#include "unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <liburing.h>
#include <span>
#include <string>
#include <vector>

namespace streamd {

class Worker;

// What an in-flight operation is for; encoded in the completion's user_data.
enum class Op : uint8_t {
    Handler = 1, // a completion owned by the worker itself (accept, wake-up, bus, signals)
    Connect,
    Recv,    // control frames
    Send,    // control frames and chunk headers
    DataIn,  // chunk data into the pipe (or the copy buffer)
    DataOut, // chunk data out of the pipe (or the copy buffer)
    Tee,     // chunk data duplicated for hashing
};

class Connection {
public:
    Connection(Worker& worker, UniqueFd fd) : worker_(worker), fd_(std::move(fd)) {}
    virtual ~Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    virtual void start() = 0;
    // Hands a completion to the handler for its operation.
    void complete(Op op, int res);
    // The local id of the transfer this connection carries, 0 for none.
    virtual uint32_t transfer_id() const = 0;
    // Whether the transfer with this local id goes through this connection.
    virtual bool carries(uint32_t id) const { return transfer_id() == id; }

    // Ends all I/O; the worker frees the connection once nothing is in flight.
    void close();
    // The transfer this connection carries was given up elsewhere.
    virtual void cancel() { close(); }
    // complete() threw; the connection reports it as it reports any failure.
    virtual void internal_error(const std::string& what) = 0;
    bool closing() const { return closing_; }

    using Clock = std::chrono::steady_clock;
    // Called about once a second: ends a connection that has been waiting too long.
    virtual void check_time(Clock::time_point now, const Config::Limits& limits) = 0;

protected:
    virtual void on_connect(int) {}
    virtual void on_recv(int res) = 0;
    virtual void on_send(int res) = 0;
    virtual void on_data_in(int res) = 0;
    virtual void on_data_out(int res) = 0;
    virtual void on_tee(int) {}

    // A submission entry whose completion comes back to complete(op, …).
    io_uring_sqe* prepare(Op op);

    // Small frames (handshakes, chunk headers, acknowledgements) leave in order, one
    // send in flight at a time; what is queued meanwhile follows it.
    // `flags` go with the send that starts now, if one does (MSG_MORE).
    template <typename Frame> void send_frame(const Frame& f, int flags = 0) {
        proto::encode(f, outbox_);
        flush(flags);
    }
    void send_bytes(std::span<const uint8_t> bytes, int flags = 0);
    void flush(int flags = 0);
    // Ends this connection without touching its socket, which goes on in another one.
    // Only between operations: nothing may be in flight.
    UniqueFd give_up_socket();
    // Accounts for a completed Op::Send (res >= 0); true once everything queued is out.
    bool sent(int res);

    Worker& worker_;
    UniqueFd fd_;
    Clock::time_point started_at_ = Clock::now();
    // When an operation of this connection last completed.
    Clock::time_point active_at_ = started_at_;

private:
    friend class Worker;
    friend class FileBody; // issues its operations on the connection's behalf
    uint32_t slot_ = 0;
    uint32_t generation_ = 0;
    unsigned inflight_ = 0;
    bool closing_ = false;

    std::vector<uint8_t> outbox_;
    std::vector<uint8_t> sending_;
    size_t sent_ = 0;
};

} // namespace streamd

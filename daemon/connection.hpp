// A TCP connection driven by one worker's ring for its whole life.
#pragma once

#include "unique_fd.hpp"

#include <cstdint>
#include <liburing.h>
#include <string>

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
};

class Connection {
public:
    Connection(Worker& worker, UniqueFd fd) : worker_(worker), fd_(std::move(fd)) {}
    virtual ~Connection() = default;
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    virtual void start() = 0;
    virtual void complete(Op op, int res) = 0;
    // The local id of the transfer this connection carries, 0 for none.
    virtual uint32_t transfer_id() const = 0;

    // Ends all I/O; the worker frees the connection once nothing is in flight.
    void close();
    // The transfer this connection carries was given up elsewhere.
    virtual void cancel() { close(); }
    // complete() threw; the connection reports it as it reports any failure.
    virtual void internal_error(const std::string& what) = 0;
    bool closing() const { return closing_; }

protected:
    // A submission entry whose completion comes back to complete(op, …).
    io_uring_sqe* prepare(Op op);

    Worker& worker_;
    UniqueFd fd_;

private:
    friend class Worker;
    uint32_t slot_ = 0;
    uint32_t generation_ = 0;
    unsigned inflight_ = 0;
    bool closing_ = false;
};

} // namespace streamd

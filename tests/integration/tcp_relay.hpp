#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace streamd::it {

// A TCP forwarder between a sender and a streamd, so that a test can stop a transfer in the
// middle without sleeping: once a connection has carried `hold_after` bytes from the client, the
// relay stops reading from that client, its socket buffers fill and the sender blocks in the
// middle of a chunk. The transfer stays `running` for as long as the test wants and moves on at
// `release()`. Replies from the server flow unless held with hold_replies_after(), so the
// handshake completes and a peer's failure report reaches the sender.
//
// It listens on 127.0.0.1 and connects to 127.0.0.1:target_port, so the receiving streamd sees a
// loopback peer, which it accepts without a key. One thread polls every connection.
class TcpRelay {
public:
    struct Counts {
        std::size_t accepted = 0;    // connections taken from clients so far
        std::size_t open = 0;        // pairs still forwarding
        std::size_t held = 0;        // open pairs that reached the budget and forwarded all of it
        std::uint64_t to_server = 0; // bytes delivered to the server, all connections
        std::uint64_t to_client = 0; // bytes delivered to clients, all connections
    };

    explicit TcpRelay(std::uint16_t target_port);
    TcpRelay(const TcpRelay&) = delete;
    TcpRelay& operator=(const TcpRelay&) = delete;
    ~TcpRelay();

    std::uint16_t port() const { return port_; }
    // HOST:PORT as streamctl takes it.
    std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

    // From now on every connection, open or future, forwards at most `bytes` from its client
    // (counted from the start of that connection).
    void hold_after(std::uint64_t bytes);
    // Lifts the budget: everything held flows on.
    void release();
    // From now on every connection passes at most `bytes` from the server to its client;
    // release_replies() lifts it.
    void hold_replies_after(std::uint64_t bytes);
    void release_replies();
    // Resets the `nth` connection accepted (from 0), on both sides, if it is still open.
    void reset_connection(std::size_t nth);
    // Flips one bit of the byte at `offset` of the first connection whose client sends that
    // far, once: what a corrupting path would do.
    void flip_once_at(std::uint64_t offset);
    // Keeps a copy of every byte any client sends from now on.
    void record();
    std::vector<char> recorded() const;
    // Whether flip_once_at() has flipped its byte.
    bool flipped() const;
    // Resets every open connection on both sides (TCP RST), as a failing path would, and
    // returns once they are gone. New connections are relayed as before.
    void cut();

    Counts counts() const;
    // Waits until `condition` holds for the counts; false if `timeout` passes first.
    bool wait_until(const std::function<bool(const Counts&)>& condition,
                    std::chrono::milliseconds timeout) const;

private:
    struct Pair;
    void run();
    void wake();
    // What the relay does to `n` bytes a client sent from `offset` of its connection on.
    void passing(char* bytes, std::size_t n, std::uint64_t offset);

    std::uint16_t port_ = 0;
    std::uint16_t target_port_;
    UniqueFd listener_;
    UniqueFd wake_fd_;

    mutable std::mutex mutex_;
    mutable std::condition_variable changed_;
    std::optional<std::uint64_t> budget_;
    std::optional<std::uint64_t> reply_budget_;
    std::vector<std::size_t> resets_;
    std::optional<std::uint64_t> flip_at_;
    bool flipped_ = false;
    bool recording_ = false;
    std::vector<char> recorded_;
    Counts counts_;
    bool stopping_ = false;
    std::uint64_t cuts_asked_ = 0;
    std::uint64_t cuts_done_ = 0;

    // Last, so that it starts after everything it uses exists and is joined before it goes.
    std::thread thread_;
};

} // namespace streamd::it

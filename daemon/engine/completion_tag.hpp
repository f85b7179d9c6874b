// What a completion is for, carried in its user_data: the operation and, for a
// connection's operations, the slot the connection lives in and that slot's generation,
// so that a completion outliving its connection is recognised. Encoded and decoded here
// alone.
#pragma once

#include <cstdint>

namespace streamd {

enum class Op : uint8_t {
    // The worker's own.
    Wake,    // another thread posted work (eventfd)
    Accept,  // multishot accept on the listening socket
    Signal,  // signalfd, worker 0
    Sweep,   // the once-a-second timeout
    BusPoll, // the bus connection's descriptor is ready, worker 0
    Ignored, // cancellations: nobody waits for them

    // A connection's.
    Connect,
    Handshake,   // TLS records of the handshake, either way
    Recv,        // protocol bytes in
    Send,        // protocol bytes out
    FileRead,    // file to pipe (or buffer), on the way to the socket
    SocketWrite, // pipe (or buffer) to socket
    SocketRead,  // socket to pipe (or buffer), on the way to the file
    FileWrite,   // pipe (or buffer) to file
    Drain,       // read and dropped while lingering
    ChunkSync,   // a file's data made durable before its journal vouches for it
    CommitSync,  // a received file, then its folder, made durable before it is announced
    Pause,       // a wait before the next piece of a rate-limited send
};

inline constexpr Op kFirstConnectionOp = Op::Connect;
inline constexpr Op kLastConnectionOp = Op::Pause;

struct CompletionTag {
    // Only this much of a generation travels; a slot reused 16 million times while one
    // completion is in flight is not a concern.
    static constexpr uint32_t kGenerationMask = 0xFFFFFF;

    Op op;
    uint32_t slot = 0;
    uint32_t generation = 0;

    // op (8 bits) | generation (24 bits) | slot (32 bits)
    constexpr uint64_t encode() const {
        return uint64_t{static_cast<uint8_t>(op)} << 56 |
               uint64_t{generation & kGenerationMask} << 32 | slot;
    }
    static constexpr CompletionTag decode(uint64_t user_data) {
        return {static_cast<Op>(user_data >> 56), static_cast<uint32_t>(user_data),
                static_cast<uint32_t>(user_data >> 32) & kGenerationMask};
    }
    constexpr bool is_connection_op() const { return op >= kFirstConnectionOp; }
    constexpr bool names(uint32_t other_generation) const {
        return (other_generation & kGenerationMask) == generation;
    }
};

} // namespace streamd

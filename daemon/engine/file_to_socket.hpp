// A range of a file sent to a connection's socket: spliced from the page cache through
// a pipe, or read and sent where the kernel refuses splice. Chunks to peers, HTTP
// downloads and WebSocket download chunks all go out this way.
#pragma once

#include "engine/rate_limit.hpp"
#include "engine/splice_pipe.hpp"
#include "engine/step.hpp"

#include <array>
#include <cstdint>
#include <linux/time_types.h>
#include <memory>
#include <string>

namespace streamd {

class Connection;

class FileToSocket {
public:
    // Its operations complete on `owner` as Op::FileRead, Op::SocketWrite and Op::Pause,
    // whose handlers pass them to on_file_read(), on_socket_write() and on_pause().
    explicit FileToSocket(Connection& owner) : owner_(owner) {}
    ~FileToSocket();
    FileToSocket(const FileToSocket&) = delete;
    FileToSocket& operator=(const FileToSocket&) = delete;

    // Starts sending `length` bytes of `file` (which must stay open until done) from
    // `offset`; `more` says that more data follows the range on the socket.
    void start(int file, uint64_t offset, uint64_t length, bool more = false);
    // The limits every piece from now on goes through (null: none): it waits, in
    // Op::Pause, for the one that asks for the longest wait.
    void pace(RateLimit* first, RateLimit* second) { limits_ = {first, second}; }

    Step on_file_read(int res);
    Step on_socket_write(int res);
    Step on_pause(int res);
    // Why the last step failed, in a few words, and whether it was the file (rather than
    // the connection) that failed.
    const std::string& failure() const { return failure_; }
    bool file_failed() const { return file_failed_; }
    // An idle connection holds no pipe from the bounded pool.
    void release_pipe();

private:
    // The next piece: through the limits, then read.
    void next_piece();
    void read(uint64_t length);
    Step read_done(int res);
    void write();
    Step fail(std::string why, bool file);

    Connection& owner_;
    int file_ = -1;
    uint64_t at_ = 0;       // offset of the next byte to read
    uint64_t left_ = 0;     // bytes not yet read
    uint64_t buffered_ = 0; // bytes in the pipe (or copy buffer) not yet sent
    uint64_t buffer_pos_ = 0;
    bool more_ = false;
    std::unique_ptr<SplicePipe> pipe_;
    std::unique_ptr<uint8_t[]> copy_buffer_;
    bool linked_out_ = false;
    std::array<RateLimit*, 2> limits_{};
    uint64_t paused_piece_ = 0; // the length of the piece waiting in Op::Pause
    __kernel_timespec pause_{};
    int in_failure_ = 0;
    std::string failure_;
    bool file_failed_ = false;
};

} // namespace streamd

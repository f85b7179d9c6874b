// Bytes from a connection's socket written into a file at an offset. Unhashed, they are
// spliced through a pipe into the page cache. Hashed (or where the kernel refuses
// splice), they are received into two buffers: each piece is hashed as it arrives, while
// the cache holds it, and a full buffer is written while the other one fills. Chunks
// from peers come in this way, and upload bodies.
#pragma once

#include "digest.hpp"
#include "engine/splice_pipe.hpp"
#include "engine/step.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <string>

namespace streamd {

class Connection;

class SocketToFile {
public:
    // Its operations complete on `owner` as Op::SocketRead and Op::FileWrite, whose
    // handlers pass them to the functions of the same names.
    explicit SocketToFile(Connection& owner) : owner_(owner) {}
    ~SocketToFile();
    SocketToFile(const SocketToFile&) = delete;
    SocketToFile& operator=(const SocketToFile&) = delete;

    // Starts moving the next `length` bytes of the socket into `file` (which must stay
    // open until done) at `offset`; with `hash`, digest() is their XXH3 digest once done.
    void start(int file, uint64_t offset, uint64_t length, bool hash);
    // Moves the next `length` bytes into another file, as part of the same digest: a
    // chunk of a tree spans several files.
    void go_on(int file, uint64_t offset, uint64_t length);

    Step on_socket_read(int res);
    Step on_file_write(int res);
    uint64_t digest() const { return hasher_.digest(); }
    // Why the last step failed, in a few words, and whether it was the file (rather than
    // the connection) that failed.
    const std::string& failure() const { return failure_; }
    bool file_failed() const { return file_failed_; }

private:
    // A piece of the stream on its way to the file: received into `bytes` up to
    // `filled`, written from it up to `written`, for the file from offset `at`.
    struct Buffer {
        std::unique_ptr<uint8_t[]> bytes;
        uint64_t at = 0;
        uint64_t filled = 0;
        uint64_t written = 0;
    };

    // Splice mode.
    void splice_piece();
    Step spliced(int res);
    Step splice_written(int res);
    Step splice_out();
    // The buffers of copy mode, where the kernel refuses splice or the bytes are hashed.
    void make_buffers(uint64_t size);
    // Copy mode: starts what can start, or says the bytes are all in the file.
    Step pump();
    Step received(int res);
    Step copied(int res);

    Step fail(std::string why, bool file);

    Connection& owner_;
    int file_ = -1;
    bool hash_ = false;
    uint64_t left_ = 0;    // bytes still to come from the socket
    uint64_t next_at_ = 0; // file offset of the next byte to come
    proto::ChunkHasher hasher_;

    std::unique_ptr<SplicePipe> pipe_;
    uint64_t in_pipe_ = 0; // bytes in the pipe not yet written
    // The write is linked behind the read in flight, and what that read returned when it
    // was not data (handled once the write is back too).
    bool linked_out_ = false;
    int in_failure_ = 0;

    // The one being received into, and the one being written from; they swap when the
    // write is done and the received one has bytes.
    std::array<Buffer, 2> buffers_;
    uint64_t capacity_ = 0; // of each
    Buffer* filling_ = &buffers_[0];
    Buffer* draining_ = &buffers_[1];
    bool receiving_ = false;
    bool writing_ = false;

    std::string failure_;
    bool file_failed_ = false;
};

} // namespace streamd

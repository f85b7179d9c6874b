// Bytes from a connection's socket written into a file at an offset: spliced through a
// pipe into the page cache, or received into a buffer and written where the kernel
// refuses splice; optionally hashed on the way, from a teed copy of the pipe. Chunks
// from peers come in this way.
#pragma once

#include "digest.hpp"
#include "engine/splice_pipe.hpp"
#include "engine/step.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace streamd {

class Connection;

class SocketToFile {
public:
    // Its operations complete on `owner` as Op::SocketRead, Op::Tee and Op::FileWrite,
    // whose handlers pass them to the functions of the same names.
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
    void on_tee(int res);
    Step on_file_write(int res);
    uint64_t digest() const { return hasher_.digest(); }
    // Why the last step failed, in a few words, and whether it was the file (rather than
    // the connection) that failed.
    const std::string& failure() const { return failure_; }
    bool file_failed() const { return file_failed_; }

private:
    void read();
    Step read_done(int res);
    void write();
    bool fall_back_to_copy(int res);
    void hash_teed();
    Step fail(std::string why, bool file);

    Connection& owner_;
    int file_ = -1;
    bool hash_ = false;
    uint64_t left_ = 0;       // bytes still to come from the socket
    uint64_t write_at_ = 0;   // file offset of the next byte to write
    uint64_t buffered_ = 0;   // bytes in the pipe (or copy buffer) not yet written
    uint64_t buffer_pos_ = 0; // copy mode: written part of the buffer
    proto::ChunkHasher hasher_;
    std::unique_ptr<SplicePipe> pipe_;
    // Splice mode with hashing: each piece is teed into this pipe and hashed from there,
    // so the bytes are read once more from memory and never from the file.
    std::unique_ptr<SplicePipe> tee_pipe_;
    uint64_t teed_ = 0; // bytes in tee_pipe_
    // Splice mode: the tee and the write are linked behind the read in flight, and what
    // that read returned when it was not data (handled once the write is back too).
    bool linked_out_ = false;
    int in_failure_ = 0;
    std::unique_ptr<uint8_t[]> copy_buffer_;
    std::string failure_;
    bool file_failed_ = false;
};

} // namespace streamd

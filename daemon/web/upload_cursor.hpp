// Where the next bytes of a request body go in an incoming transfer's file: chunk by
// chunk from the offset up to which the file holds what the client sent. Bytes written
// count only once accepted, so that a body whose checksum does not match leaves the
// offset where it was. It does no I/O: the connection moves the pieces it hands out.
#pragma once

#include "transfer/incoming_transfer.hpp"

#include <cstdint>
#include <memory>

namespace streamd {

class UploadCursor {
public:
    UploadCursor(std::shared_ptr<IncomingTransfer> transfer, uint64_t offset)
        : transfer_(std::move(transfer)), offset_(offset) {}

    const std::shared_ptr<IncomingTransfer>& transfer() const { return transfer_; }
    uint64_t offset() const { return offset_; }
    uint64_t length() const { return transfer_->size(); }
    bool complete() const { return offset_ == length(); }

    // The next stretch after what was written: where it goes in the file, at most `limit`
    // bytes and never past the end of its chunk. Only while written bytes fall short of
    // the length.
    struct Piece {
        int file = -1;
        uint64_t offset = 0;
        uint64_t length = 0;
    };
    Piece next(uint64_t limit) const;
    // `n` bytes more are in the file at next().offset.
    void wrote(uint64_t n) { held_ += n; }
    uint64_t written_end() const { return offset_ + held_; }
    // What was written counts: the offset moves past it and every chunk it completes is
    // recorded. True when it completed one.
    bool accept();
    // What was written since the last accept() does not count.
    void reject() { held_ = 0; }

private:
    std::shared_ptr<IncomingTransfer> transfer_;
    uint64_t offset_;
    uint64_t held_ = 0;
};

} // namespace streamd

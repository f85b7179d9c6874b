// A file sent as the body of a PUT (docs/HTTP.md): an incoming transfer like any other,
// whose chunks are written in order as the body arrives. It does no I/O: the connection
// moves the pieces it hands out and reports them written.
#pragma once

#include "transfer/incoming_transfer.hpp"
#include "transfer/transfers.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace streamd {

class HttpUpload {
public:
    // Takes the offer of `size` bytes named `name`; throws Refusal.
    HttpUpload(Transfers& transfers, const std::string& name, uint64_t size,
               const std::string& peer);
    // An upload whose body did not all arrive fails, and its partial file goes: a PUT
    // cannot be resumed.
    ~HttpUpload();
    HttpUpload(const HttpUpload&) = delete;
    HttpUpload& operator=(const HttpUpload&) = delete;

    const std::shared_ptr<IncomingTransfer>& transfer() const { return transfer_; }

    // The next stretch of the body: where it goes in the file, at most to the end of
    // its chunk. Nothing once the whole body is in the file.
    struct Piece {
        int file = -1;
        uint64_t offset = 0;
        uint64_t length = 0;
    };
    std::optional<Piece> next() const;
    // `n` bytes more of the body are in the file; true when they completed a chunk.
    bool written(uint64_t n);

    // The connection ends the upload for `why`.
    void fail(const std::string& why);

private:
    Transfers& transfers_;
    std::string peer_;
    std::shared_ptr<IncomingTransfer> transfer_;
    uint64_t received_ = 0; // bytes of the body in the file
};

// The HTTP status for a refused offer.
int status_of(const Refusal& r);

} // namespace streamd

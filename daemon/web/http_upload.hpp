// A file sent as the body of a PUT (docs/HTTP.md): an incoming transfer like any other,
// whose chunks are written in order as the body arrives, through its cursor.
#pragma once

#include "transfer/incoming_transfer.hpp"
#include "transfer/transfers.hpp"
#include "web/upload_cursor.hpp"

#include <cstdint>
#include <memory>
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

    const std::shared_ptr<IncomingTransfer>& transfer() const { return cursor_.transfer(); }
    UploadCursor& cursor() { return cursor_; }

    // The connection ends the upload for `why`.
    void fail(Failure kind, const std::string& why);

private:
    Transfers& transfers_;
    std::string peer_;
    UploadCursor cursor_;
};

// What a file of `size` bytes named `name` sent over HTTP is offered as: a new transfer
// of 4 MiB chunks, unverified, stamped on arrival; throws Refusal for a bad name.
proto::Offer http_offer(const std::string& name, uint64_t size);

// The HTTP status for a refused offer.
int status_of(const Refusal& r);

} // namespace streamd

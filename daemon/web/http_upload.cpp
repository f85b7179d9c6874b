#include "web/http_upload.hpp"

#include "engine/random_bytes.hpp"
#include "file_name.hpp"

#include <algorithm>

namespace streamd {

namespace {

// The chunk size of the native default: the unit of the journal, and so of what a
// resume would keep.
constexpr uint32_t kChunkSize = 4 << 20;

} // namespace

proto::Offer http_offer(const std::string& name, uint64_t size) {
    proto::Offer offer;
    random_bytes(offer.id);
    offer.stream_count = 1;
    offer.chunk_size = kChunkSize;
    offer.size = size;
    offer.mode = 0644;
    // Stamped with the time it arrives.
    offer.mtime_sec = proto::kMtimeUnknown;
    offer.digest = proto::DigestAlgorithm::None;
    offer.name = name;
    if (auto problem = proto::name_problem(offer.name))
        throw Refusal{proto::ErrorCode::BadName, *problem};
    return offer;
}

HttpUpload::HttpUpload(Transfers& transfers, const std::string& name, uint64_t size,
                       const std::string& peer)
    : transfers_(transfers), peer_(peer + " (http)"),
      cursor_(transfers.accept_offer(http_offer(name, size), peer_), 0) {}

HttpUpload::~HttpUpload() {
    if (transfer()->state() != TransferState::Done)
        fail(Failure::Connection, "the connection closed before the whole body arrived");
    transfers_.stream_left(*transfer(), peer_);
}

void HttpUpload::fail(Failure kind, const std::string& why) {
    transfer()->discard();
    transfers_.fail_incoming(*transfer(), peer_, kind, why);
}

int status_of(const Refusal& r) {
    switch (r.code) {
    case proto::ErrorCode::BadName:
        return 400;
    case proto::ErrorCode::TooLarge:
        return 413;
    case proto::ErrorCode::Exists:
        return 409;
    case proto::ErrorCode::Busy:
        return 503;
    case proto::ErrorCode::IoError:
        return 507;
    default:
        return 500;
    }
}

} // namespace streamd

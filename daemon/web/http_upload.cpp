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

HttpUpload::HttpUpload(Transfers& transfers, const std::string& name, uint64_t size,
                       const std::string& peer)
    : transfers_(transfers), peer_(peer + " (http)") {
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
    transfer_ = transfers_.accept_offer(offer, peer_);
}

HttpUpload::~HttpUpload() {
    if (transfer_->state() != TransferState::Done)
        fail("the connection closed before the whole body arrived");
    transfers_.stream_left(*transfer_, peer_);
}

std::optional<HttpUpload::Piece> HttpUpload::next() const {
    const proto::Offer& offer = transfer_->offer();
    if (received_ == offer.size) return std::nullopt;
    const uint64_t chunk_end =
        std::min<uint64_t>((received_ / offer.chunk_size + 1) * offer.chunk_size, offer.size);
    return Piece{transfer_->file(), received_, chunk_end - received_};
}

bool HttpUpload::written(uint64_t n) {
    const proto::Offer& offer = transfer_->offer();
    const uint64_t index = received_ / offer.chunk_size;
    const uint64_t start = index * offer.chunk_size;
    if (received_ == start) transfer_->claim_chunk(index);
    received_ += n;
    const uint64_t end = std::min<uint64_t>(start + offer.chunk_size, offer.size);
    if (received_ < end) return false;
    transfer_->chunk_written(index, 0, std::nullopt, end - start);
    return true;
}

void HttpUpload::fail(const std::string& why) {
    transfer_->discard();
    transfers_.fail_incoming(*transfer_, peer_, why);
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

#include "web/upload_cursor.hpp"

#include <algorithm>

namespace streamd {

UploadCursor::Piece UploadCursor::next(uint64_t limit) const {
    const proto::Offer& offer = transfer_->offer();
    const uint64_t at = written_end();
    const uint64_t chunk_end =
        std::min<uint64_t>((at / offer.chunk_size + 1) * offer.chunk_size, offer.size);
    return {transfer_->file(), at, std::min(limit, chunk_end - at)};
}

bool UploadCursor::accept() {
    const proto::Offer& offer = transfer_->offer();
    const uint64_t end = written_end();
    bool completed = false;
    for (uint64_t i = offset_ / offer.chunk_size; i < offer.chunk_count(); ++i) {
        const uint64_t start = i * offer.chunk_size;
        const uint64_t chunk_end = std::min<uint64_t>(start + offer.chunk_size, offer.size);
        if (chunk_end > end) break;
        // Chunks are claimed only once whole: nothing else writes an upload's file while
        // its request does. One a resume found in the file already is written once more,
        // with the same bytes, and stays as it was.
        if (!transfer_->claim_chunk(i)) continue;
        transfer_->chunk_written(i, 0, std::nullopt, chunk_end - start);
        completed = true;
    }
    offset_ = end;
    held_ = 0;
    return completed;
}

} // namespace streamd

#include "transfer/chunk_scheduler.hpp"

#include <algorithm>

namespace streamd {

ChunkScheduler::ChunkScheduler(uint64_t file_size, uint32_t chunk_size,
                               std::span<const proto::Range> missing) {
    uint64_t count = (file_size + chunk_size - 1) / chunk_size;
    for (const auto& r : missing) {
        uint64_t first = r.offset / chunk_size;
        uint64_t end = std::min(count, (r.offset + r.length + chunk_size - 1) / chunk_size);
        for (uint64_t i = first; i < end; ++i)
            chunks_.push_back(i);
    }
    std::sort(chunks_.begin(), chunks_.end());
    chunks_.erase(std::unique(chunks_.begin(), chunks_.end()), chunks_.end());
}

std::optional<uint64_t> ChunkScheduler::next() {
    size_t i = cursor_.fetch_add(1, std::memory_order_relaxed);
    if (i >= chunks_.size()) return std::nullopt;
    return chunks_[i];
}

} // namespace streamd

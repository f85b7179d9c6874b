// Hands out the chunks a transfer still has to send. Streams pull: whichever stream is
// ready to send takes the next chunk, so a slow stream never holds the others back.
#pragma once

#include "native_frames.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace streamd {

class ChunkScheduler {
public:
    // `missing` are chunk-aligned ranges as the receiver reported them.
    ChunkScheduler(uint64_t file_size, uint32_t chunk_size, std::span<const proto::Range> missing);

    // Chunk index to send next; safe to call from any thread.
    std::optional<uint64_t> next();
    uint64_t total() const { return chunks_.size(); }

private:
    std::vector<uint64_t> chunks_;
    std::atomic<size_t> cursor_{0};
};

} // namespace streamd

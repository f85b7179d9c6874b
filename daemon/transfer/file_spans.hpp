// Which chunks each file of a folder's data lies on, so that the files complete can be
// counted from the chunks complete, whichever order those arrive in.
#pragma once

#include "tree_manifest.hpp"

#include <cstdint>
#include <utility>
#include <vector>

namespace streamd {

class FileSpans {
public:
    FileSpans(const proto::TreeManifest& manifest, uint32_t chunk_size);

    // Every file of the folder, empty ones too.
    uint32_t files() const { return empty_ + static_cast<uint32_t>(spans_.size()); }
    // The files all of whose chunks `chunk_done(index)` says are in; empty files count
    // as complete.
    template <typename ChunkDone> uint32_t complete(uint64_t chunks, ChunkDone chunk_done) const {
        // missing[c]: chunks before c that are not in.
        std::vector<uint32_t> missing(chunks + 1, 0);
        for (uint64_t c = 0; c < chunks; ++c)
            missing[c + 1] = missing[c] + (chunk_done(c) ? 0 : 1);
        uint32_t n = empty_;
        for (const auto& [first, last] : spans_)
            if (missing[last + 1] == missing[first]) ++n;
        return n;
    }

private:
    std::vector<std::pair<uint64_t, uint64_t>> spans_; // first and last chunk of each
    uint32_t empty_ = 0;
};

} // namespace streamd

#include "transfer/file_spans.hpp"

namespace streamd {

FileSpans::FileSpans(const proto::TreeManifest& manifest, uint32_t chunk_size) {
    uint64_t at = 0;
    for (const auto& e : manifest.entries) {
        if (e.kind != proto::EntryKind::File) continue;
        if (e.size == 0) {
            ++empty_;
            continue;
        }
        spans_.emplace_back(at / chunk_size, (at + e.size - 1) / chunk_size);
        at += e.size;
    }
}

} // namespace streamd

// The bytes an outgoing transfer sends, as the caller opened them: one file, or a
// folder's files one after another in manifest order (tree_manifest.hpp), so that a
// chunk may span many small files. Either way a range of it is a list of pieces, each a
// range of one open file.
#pragma once

#include "tree_manifest.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace streamd {

struct SourcePiece {
    int file;
    uint64_t offset;
    uint64_t length;
};

class SourceData {
public:
    explicit SourceData(UniqueFd file);
    // `files`: one descriptor for each non-empty file of `manifest`, in manifest order.
    SourceData(proto::TreeManifest manifest, std::vector<UniqueFd> files);

    bool tree() const { return layout_.has_value(); }
    const proto::TreeManifest& manifest() const { return manifest_; }
    // Whether any file has holes: only then is a chunk worth probing for one.
    bool sparse() const { return sparse_; }

    // The pieces of `length` bytes from `offset`, which must lie within the data.
    std::vector<SourcePiece> pieces(uint64_t offset, uint64_t length) const;
    // The XXH3 chunk digest of the range; throws std::system_error when a file cannot
    // be read.
    uint64_t digest(uint64_t offset, uint64_t length) const;
    // Whether the range holds nothing but holes.
    bool is_hole(uint64_t offset, uint64_t length) const;

    // Closes every file.
    void release() { files_.clear(); }

private:
    proto::TreeManifest manifest_;
    std::optional<proto::TreeLayout> layout_;
    std::vector<UniqueFd> files_;
    // Of a tree: for each manifest entry, its index in files_ (non-empty files only).
    std::vector<uint32_t> file_of_entry_;
    bool sparse_ = false;
};

} // namespace streamd

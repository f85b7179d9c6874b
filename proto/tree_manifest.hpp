// A folder sent as one transfer: the manifest that lists what is inside it, and where
// each file's bytes lie in the tree's data, the files' contents one after another in
// manifest order, so that a chunk of it may hold many small files. Decoding never trusts
// its input: a manifest that decodes describes a tree that can be built inside one
// folder without ever passing through a link, and whose links all lead to places inside
// it, whatever the sender meant.
//
// Encoding, big-endian: the entry count (4 bytes), then per entry its kind (1), a
// reserved 0 (1), the path's length (2), mode (4), mtime seconds (8, signed) and
// nanoseconds (4), size (8), the target's length (2), the path and the target.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::proto {

inline constexpr uint32_t kMaxTreeEntries = 1'000'000;
inline constexpr size_t kMaxTreeDepth = 64;  // folders between the top and an entry
inline constexpr size_t kMaxTreePath = 4096; // bytes of a relative path, as of a link target
inline constexpr size_t kMaxManifest = 64 * 1024 * 1024;

enum class EntryKind : uint8_t { Folder = 1, File = 2, Link = 3 };

struct TreeEntry {
    EntryKind kind = EntryKind::File;
    // Relative to the top folder: bare names joined by '/'.
    std::string path;
    uint32_t mode = 0644; // permission bits; anything outside 0777 is ignored
    int64_t mtime_sec = 0;
    uint32_t mtime_nsec = 0;
    uint64_t size = 0;  // a file's bytes; 0 for folders and links
    std::string target; // a link's, as it is to be written; empty otherwise
    bool operator==(const TreeEntry&) const = default;
};

// Every folder before what it holds.
struct TreeManifest {
    std::vector<TreeEntry> entries;
    bool operator==(const TreeManifest&) const = default;
};

std::vector<uint8_t> encode_manifest(const TreeManifest& m);
// Throws FrameError naming the entry and what is wrong with it.
TreeManifest decode_manifest(std::span<const uint8_t> bytes);

// Why `path` is not a relative path of bare names, or nothing when it is.
std::optional<std::string> tree_path_problem(std::string_view path);
// Why a link at `path` may not point at `target`, or nothing: the target must be
// relative, climb (with leading "..") no higher than the top folder, and then only
// descend, so that no chain of such links leads out of the tree.
std::optional<std::string> link_target_problem(std::string_view path, std::string_view target);

// Where a range of the tree's data lies: a piece of one file each.
struct Extent {
    size_t entry;         // index into the manifest's entries
    uint64_t file_offset; // where in that file
    uint64_t length;
    bool operator==(const Extent&) const = default;
};

class TreeLayout {
public:
    explicit TreeLayout(const TreeManifest& m);
    uint64_t data_size() const { return total_; }
    size_t files() const { return files_.size(); }
    // The files a range of the tree's data falls on, in order; empty files take none.
    // The range must lie within data_size().
    std::vector<Extent> extents(uint64_t offset, uint64_t length) const;

private:
    std::vector<size_t> files_;    // entry index of each non-empty file, in data order
    std::vector<uint64_t> starts_; // where each of those begins in the tree's data
    std::vector<uint64_t> sizes_;
    uint64_t total_ = 0;
};

} // namespace streamd::proto

// A folder a send reads from, walked and opened by streamctl with the caller's rights, as
// a single file is: the manifest of what it holds, an open descriptor for every file in
// it, and what was left out and why.
#pragma once

#include "tree_manifest.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace streamd::ctl {

struct SourceTree {
    std::string name; // the folder's own name, as it is offered
    uint32_t mode = 0755;
    int64_t mtime_sec = 0;
    uint32_t mtime_nsec = 0;
    proto::TreeManifest manifest;
    // One per file entry, in manifest order.
    std::vector<UniqueFd> files;
    struct Skipped {
        std::string path; // relative to the folder
        std::string why;
    };
    // Hard links, FIFOs, sockets, devices, links that lead out of the folder, names the
    // protocol cannot carry, and what could not be opened.
    std::vector<Skipped> skipped;
};

// Walks the folder at `path` without following any link inside it, each folder's
// entries in byte order of their names. Throws Failure for the folder itself ("cannot
// open 'PATH': REASON", "'PATH' is not a folder") and when it holds more than a tree
// may (proto::kMaxTreeEntries, kMaxTreeDepth) or more files than this process may open.
SourceTree scan_source_tree(const std::string& path);

} // namespace streamd::ctl

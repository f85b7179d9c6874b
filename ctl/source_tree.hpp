// A folder a send reads from, walked and opened by streamctl with the caller's rights, as
// a single file is: the manifest of what it holds, an open descriptor for every file in
// it, and what was left out and why.
#pragma once

#include "tree_manifest.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::ctl {

struct SourceTree {
    // The folder's own name (folder_name), which may be one that cannot be offered:
    // --as may replace it.
    std::string name;
    UniqueFd folder; // the folder itself, as it was walked
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

// The name of the folder at `path` as it is offered unless --as says otherwise: its last
// component, or its real one for "." and "..". Empty when that cannot be found out.
std::string folder_name(const std::string& path);

// Walks the folder at `path` without following any link inside it, each folder's
// entries in byte order of their names. Throws Failure for the folder itself ("cannot
// open 'PATH': REASON", "'PATH' is not a folder") and when it holds more than a tree
// may (proto::kMaxTreeEntries, kMaxTreeDepth) or more files than this process may open.
SourceTree scan_source_tree(const std::string& path);

// The descriptors of the files with bytes to send, in manifest order, taken out of
// `tree`: what Manager.SendTree expects. Those of empty files are closed, as the
// receiver creates them from the manifest alone.
std::vector<UniqueFd> take_data_files(SourceTree& tree);

// An entry as the user knows it: the folder as given, then the path inside it.
std::string path_in_folder(std::string_view folder, std::string_view path);

} // namespace streamd::ctl

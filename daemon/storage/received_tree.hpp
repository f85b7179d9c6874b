// A received folder read to be sent on, as a peer asked for it (docs/PROTOCOL.md,
// Fetching): the manifest of what it holds and its files open for reading, no link
// followed, in the order streamctl walks a folder it sends.
#pragma once

#include "storage/storage.hpp"
#include "tree_manifest.hpp"
#include "unique_fd.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamd {

struct ReceivedTree {
    UniqueFd folder;
    proto::TreeManifest manifest;
    std::vector<UniqueFd> files; // of the files with bytes, in manifest order
    // What cannot be sent (FIFOs, sockets, devices, names or links the protocol cannot
    // carry), with why.
    std::vector<std::pair<std::string, std::string>> skipped;
};

// The folder `name` straight in the folder `dir_fd`; nullopt when there is no such folder
// (a link to one is none). Throws Refusal when it holds more than a folder sent may, or
// more files than this process may open.
std::optional<ReceivedTree> open_received_tree(int dir_fd, std::string_view name);

} // namespace streamd

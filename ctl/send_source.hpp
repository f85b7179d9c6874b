// One PATH of `streamctl send`, opened and checked before anything is queued: a file, or
// a folder walked whole to go as one transfer.
#pragma once

#include "source_tree.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace streamd::ctl {

struct SendSource {
    std::string path; // as given on the command line
    std::string name; // as offered to the receiver
    UniqueFd file;    // a file's; a folder's descriptors are in `tree`
    std::optional<SourceTree> tree;
    std::vector<uint8_t> manifest; // a folder's, encoded for Manager.SendTree
};

// Opens `path` as a file, or walks it when it is a folder (or a link to one), offered
// under `as` or else its own name. Throws Failure with one line for the user.
SendSource open_send_source(const std::string& path, const std::optional<std::string>& as);

// "skipping 'photos/x': REASON" for each entry of a folder that does not go along.
std::vector<std::string> skip_warnings(const SendSource& source);

} // namespace streamd::ctl

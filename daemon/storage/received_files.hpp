// The files and folders in the incoming folder that the web side may show, and the files
// it serves: regular files and folders with names a peer could have sent, so neither
// partial files, folders and journals nor whatever else (links, devices, oddly named
// files) was put there by hand.
#pragma once

#include "unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

namespace streamd {

struct ReceivedFile {
    std::string name;
    uint64_t size = 0; // of a folder: of the regular files beneath it
    int64_t mtime = 0; // seconds since the Unix epoch
    bool folder = false;
};

// Sorted by name, byte by byte. Throws std::system_error when the folder cannot be read.
std::vector<ReceivedFile> received_files(int dir_fd);

struct OpenedFile {
    UniqueFd fd;
    struct stat st {};
};

// Opens `name` (already percent-decoded) for reading, or nothing when it is not a safe
// bare name, is not there, or is not a regular file; symbolic links are never followed.
std::optional<OpenedFile> open_received_file(int dir_fd, std::string_view name);

} // namespace streamd

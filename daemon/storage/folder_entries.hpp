// What a folder holds, seen without following any link: the one walk beneath the
// incoming folder that removing a partial folder and sizing a received one share.
#pragma once

#include <optional>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace streamd {

struct FolderEntry {
    std::string name;
    struct stat st {}; // of the entry itself, a link not followed
};

// The entries of the open folder `folder`, "." and ".." left out, in the order the file
// system gives them; an entry gone before it could be looked at is left out too.
// nullopt when the folder cannot be read.
std::optional<std::vector<FolderEntry>> folder_entries(int folder);

} // namespace streamd

#include "storage/folder_entries.hpp"

#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

namespace streamd {

std::optional<std::vector<FolderEntry>> folder_entries(int folder) {
    // fdopendir takes over the descriptor it is given, and readdir moves its position:
    // it gets one of its own.
    const int copy = ::openat(folder, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
    if (!dir) {
        if (copy >= 0) ::close(copy);
        return std::nullopt;
    }
    std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, ::closedir);
    std::vector<FolderEntry> entries;
    while (const dirent* d = ::readdir(dir)) {
        if (std::strcmp(d->d_name, ".") == 0 || std::strcmp(d->d_name, "..") == 0) continue;
        FolderEntry e{d->d_name};
        if (::fstatat(folder, d->d_name, &e.st, AT_SYMLINK_NOFOLLOW) == 0)
            entries.push_back(std::move(e));
    }
    return entries;
}

} // namespace streamd

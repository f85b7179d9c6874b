#include "storage/received_files.hpp"

#include "file_name.hpp"
#include "storage/folder_entries.hpp"
#include "tree_manifest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <system_error>

namespace streamd {

namespace {

// The bytes of the regular files beneath the folder `name` of `parent`, following no link
// and going no deeper than a folder sent may be.
uint64_t bytes_beneath(int parent, const char* name, size_t depth) {
    if (depth > proto::kMaxTreeDepth) return 0;
    const UniqueFd folder(::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    const auto entries = folder ? folder_entries(folder.get()) : std::nullopt;
    if (!entries) return 0;
    uint64_t bytes = 0;
    for (const auto& e : *entries) {
        if (S_ISREG(e.st.st_mode)) bytes += static_cast<uint64_t>(e.st.st_size);
        if (S_ISDIR(e.st.st_mode)) bytes += bytes_beneath(folder.get(), e.name.c_str(), depth + 1);
    }
    return bytes;
}

} // namespace

std::vector<ReceivedFile> received_files(int dir_fd) {
    auto entries = folder_entries(dir_fd);
    if (!entries) throw std::system_error(errno, std::generic_category(), "incoming folder");
    std::vector<ReceivedFile> files;
    for (auto& e : *entries) {
        if (proto::name_problem(e.name)) continue;
        const auto mtime = e.st.st_mtim.tv_sec;
        if (S_ISREG(e.st.st_mode))
            files.push_back({std::move(e.name), static_cast<uint64_t>(e.st.st_size), mtime, false});
        else if (S_ISDIR(e.st.st_mode))
            files.push_back({e.name, bytes_beneath(dir_fd, e.name.c_str(), 0), mtime, true});
    }
    std::sort(files.begin(), files.end(),
              [](const ReceivedFile& a, const ReceivedFile& b) { return a.name < b.name; });
    return files;
}

std::optional<OpenedFile> open_received_file(int dir_fd, std::string_view name) {
    if (proto::name_problem(name)) return std::nullopt;
    std::string path(name);
    // O_NONBLOCK: a FIFO put there must not hold the worker up in open(); it is refused
    // below, and the flag is dropped again for the file.
    OpenedFile f;
    f.fd.reset(
        ::openat(dir_fd, path.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
    if (!f.fd || ::fstat(f.fd.get(), &f.st) != 0 || !S_ISREG(f.st.st_mode)) return std::nullopt;
    if (::fcntl(f.fd.get(), F_SETFL, 0) != 0) return std::nullopt;
    return f;
}

} // namespace streamd

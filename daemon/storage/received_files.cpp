#include "storage/received_files.hpp"

#include "file_name.hpp"
#include "tree_manifest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <system_error>

namespace streamd {

namespace {

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

// The bytes of the regular files beneath the folder `name` of `parent`, following no link
// and going no deeper than a folder sent may be.
uint64_t bytes_beneath(int parent, const char* name, size_t depth) {
    if (depth > proto::kMaxTreeDepth) return 0;
    const int fd = ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return 0;
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fd));
    if (!dir) {
        ::close(fd);
        return 0;
    }
    uint64_t bytes = 0;
    while (const dirent* e = ::readdir(dir.get())) {
        if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
        struct stat st {};
        if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode)) bytes += static_cast<uint64_t>(st.st_size);
        if (S_ISDIR(st.st_mode)) bytes += bytes_beneath(fd, e->d_name, depth + 1);
    }
    return bytes;
}

} // namespace

std::vector<ReceivedFile> received_files(int dir_fd) {
    // A descriptor of its own: readdir moves the position of the one it reads.
    int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "incoming folder");
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fd));
    if (!dir) {
        int error = errno;
        ::close(fd);
        throw std::system_error(error, std::generic_category(), "incoming folder");
    }
    std::vector<ReceivedFile> files;
    while (const dirent* e = ::readdir(dir.get())) {
        std::string_view name = e->d_name;
        if (proto::name_problem(name)) continue;
        struct stat st {};
        if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode))
            files.push_back(
                {std::string(name), static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec, false});
        if (S_ISDIR(st.st_mode))
            files.push_back(
                {std::string(name), bytes_beneath(dir_fd, e->d_name, 0), st.st_mtim.tv_sec, true});
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

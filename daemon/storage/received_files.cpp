#include "storage/received_files.hpp"

#include "file_name.hpp"

#include <algorithm>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <system_error>

namespace streamd {

namespace {

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};

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
        if (::fstatat(dir_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue;
        files.push_back({std::string(name), static_cast<uint64_t>(st.st_size), st.st_mtim.tv_sec});
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

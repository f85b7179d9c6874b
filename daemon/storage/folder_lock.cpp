#include "storage/folder_lock.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <system_error>
#include <unistd.h>

namespace streamd {

namespace {

// The process holding flock on `fd`'s folder, from /proc/locks ("1: FLOCK ADVISORY WRITE
// 1234 fe:00:11191039 0 EOF"), or 0 when it is not to be found there.
pid_t flock_holder(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return 0;
    char id[64];
    std::snprintf(id, sizeof id, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
                  static_cast<unsigned long long>(st.st_ino));
    std::ifstream locks("/proc/locks");
    for (std::string line; std::getline(locks, line);) {
        std::istringstream fields(line);
        std::string number, kind, advisory, mode, pid, file;
        if (fields >> number >> kind >> advisory >> mode >> pid >> file && kind == "FLOCK" &&
            file == id)
            return static_cast<pid_t>(std::stol(pid));
    }
    return 0;
}

} // namespace

FolderLock::FolderLock(const std::filesystem::path& folder, const std::string& what)
    : fd_(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (!fd_)
        throw std::system_error(errno, std::generic_category(),
                                "cannot open " + what + " " + folder.string());
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) return;
    if (errno != EWOULDBLOCK)
        throw std::system_error(errno, std::generic_category(),
                                "cannot lock " + what + " " + folder.string());
    const pid_t holder = flock_holder(fd_.get());
    // The same folder for incoming and state: this daemon has it already.
    if (holder == ::getpid()) {
        fd_.reset();
        return;
    }
    throw std::runtime_error(what + " " + folder.string() + " is in use by another streamd" +
                             (holder > 0 ? " (pid " + std::to_string(holder) + ")" : "") +
                             ": each daemon needs folders of its own");
}

} // namespace streamd

#include "source_file.hpp"

#include "failure.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>

namespace streamd::ctl {

UniqueFd open_source_file(const std::string& path) {
    // O_NONBLOCK so that naming a FIFO or a device cannot hang the open; it is cleared again
    // below because the daemon shares this open file description, and io_uring would turn
    // page-cache misses on a non-blocking regular file into -EAGAIN.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd) throw Failure("cannot open '" + path + "': " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw Failure("cannot open '" + path + "': " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        throw Failure("'" + path + "' is neither a regular file nor a folder");
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
        throw Failure("cannot open '" + path + "': " + std::strerror(errno));
    return fd;
}

} // namespace streamd::ctl

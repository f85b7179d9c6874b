#include "unix_datagram.hpp"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <system_error>

namespace streamd::it {

UniqueFd bind_unix_datagram(const std::filesystem::path& path) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.native().size() >= sizeof address.sun_path)
        throw std::runtime_error("socket path too long for AF_UNIX: " + path.string());
    std::memcpy(address.sun_path, path.c_str(), path.native().size());
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) throw std::system_error(errno, std::generic_category(), "socket(AF_UNIX)");
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        throw std::system_error(errno, std::generic_category(), "bind " + path.string());
    return fd;
}

std::optional<std::string> receive_datagram(int fd, std::chrono::milliseconds timeout) {
    pollfd pfd{fd, POLLIN, 0};
    int ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (ready < 0) throw std::system_error(errno, std::generic_category(), "poll");
    if (ready == 0) return std::nullopt;
    std::string buffer(256 * 1024, '\0');
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n < 0) throw std::system_error(errno, std::generic_category(), "recv");
    buffer.resize(static_cast<size_t>(n));
    return buffer;
}

} // namespace streamd::it

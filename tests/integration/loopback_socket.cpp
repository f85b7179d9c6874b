#include "loopback_socket.hpp"

#include "wait_until.hpp"

#include <cerrno>
#include <poll.h>
#include <sys/socket.h>
#include <system_error>

namespace streamd::it {

namespace {

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

} // namespace

sockaddr_in loopback_address(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    return address;
}

UniqueFd connect_loopback(std::uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket");
    sockaddr_in address = loopback_address(port);
    int r;
    do {
        r = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address);
    } while (r != 0 && errno == EINTR);
    if (r != 0) throw_errno("connect to 127.0.0.1");
    return fd;
}

LoopbackListener listen_loopback(int backlog, int type_flags, int receive_buffer) {
    LoopbackListener l;
    l.fd.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | type_flags, 0));
    if (!l.fd) throw_errno("socket");
    if (receive_buffer > 0 && ::setsockopt(l.fd.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer,
                                           sizeof receive_buffer) != 0)
        throw_errno("SO_RCVBUF");
    sockaddr_in address = loopback_address(0);
    if (::bind(l.fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
        throw_errno("bind 127.0.0.1:0");
    if (::listen(l.fd.get(), backlog) != 0) throw_errno("listen");
    socklen_t length = sizeof address;
    if (::getsockname(l.fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0)
        throw_errno("getsockname");
    l.port = ntohs(address.sin_port);
    return l;
}

bool wait_readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(generous_deadline.count() * 1000));
    if (ready < 0) throw std::system_error(errno, std::generic_category(), "poll");
    return ready > 0;
}

} // namespace streamd::it

#include "port/listener.hpp"

#include "engine/destination.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <netinet/in.h>
#include <optional>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <systemd/sd-daemon.h>
#include <thread>

namespace streamd {

namespace {
constexpr int kBindTries = 50;
constexpr std::chrono::milliseconds kBindPause{100};

Listener bound_address(UniqueFd fd) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
    return {std::move(fd), format_address(reinterpret_cast<sockaddr*>(&addr))};
}

// Socket activation: systemd (or systemd-socket-activate) listened for us and passes the
// socket as descriptor 3. sd_listen_fds() also unsets LISTEN_FDS, which is meant for this
// process alone.
std::optional<Listener> passed_listener() {
    int n = ::sd_listen_fds(1);
    if (n < 0)
        throw std::system_error(-n, std::generic_category(),
                                "cannot take the sockets passed by the service manager");
    if (n == 0) return std::nullopt;
    if (n > 1)
        throw std::runtime_error("the service manager passed " + std::to_string(n) +
                                 " sockets; streamd listens on one (a single ListenStream=)");
    const int fd = SD_LISTEN_FDS_START;
    if (::sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) <= 0)
        throw std::runtime_error("the socket passed by the service manager is not a listening "
                                 "TCP socket (ListenStream= takes a port or ADDRESS:PORT)");
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    Listener l = bound_address(UniqueFd(fd));
    l.from_service_manager = true;
    return l;
}

} // namespace

Listener open_listener(const Config::Listen& config) {
    if (auto passed = passed_listener()) return std::move(*passed);
    std::string host = config.address == "localhost" ? "127.0.0.1" : config.address;
    std::string where = Destination{host, config.port}.to_string();
    sockaddr_storage addr{};
    socklen_t len;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&addr);
    if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(config.port);
        len = sizeof *v4;
    } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(config.port);
        len = sizeof *v6;
    } else {
        throw std::system_error(EINVAL, std::generic_category(),
                                "cannot listen on " + where + ": not an IP address");
    }
    auto fail = [&](const char* what) {
        return std::system_error(errno, std::generic_category(),
                                 std::string("cannot ") + what + " " + where);
    };
    UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw fail("create a socket for");
    int one = 1, zero = 0;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // "::" serves IPv4 too, as users of a dual-stack host expect.
    if (addr.ss_family == AF_INET6)
        ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    // A daemon killed a moment ago may still hold the port: the kernel lets go of its
    // ring, and the listening socket the ring refers to, only after the process is gone.
    for (int tries = 0; ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0; ++tries) {
        if (errno != EADDRINUSE || tries == kBindTries) throw fail("listen on");
        std::this_thread::sleep_for(kBindPause);
    }
    if (::listen(fd.get(), SOMAXCONN) != 0) throw fail("listen on");
    return bound_address(std::move(fd));
}

} // namespace streamd

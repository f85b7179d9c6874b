#include "engine/kernel_tls.hpp"

#include "unique_fd.hpp"

#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace streamd {

std::string probe_kernel_tls() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return std::string("no socket: ") + std::strerror(errno);
    // The kernel looks the protocol up before it asks for a connection: on a socket not
    // yet connected, ENOTCONN means it knows "tls", ENOENT that it does not.
    static constexpr char kUlp[] = "tls";
    if (::setsockopt(fd.get(), SOL_TCP, TCP_ULP, kUlp, sizeof kUlp) == 0 || errno == ENOTCONN)
        return "available";
    return std::string("TCP_ULP \"tls\": ") + std::strerror(errno);
}

} // namespace streamd

// TCP sockets on 127.0.0.1, where every test peer and daemon lives.
#pragma once

#include "unique_fd.hpp"

#include <cstdint>
#include <netinet/in.h>

namespace streamd::it {

sockaddr_in loopback_address(std::uint16_t port);

// A blocking connection to 127.0.0.1:port; throws std::system_error.
UniqueFd connect_loopback(std::uint16_t port);

struct LoopbackListener {
    UniqueFd fd;
    std::uint16_t port = 0;
};

// Listening on 127.0.0.1 at a port the kernel picks. `type_flags` are added to
// SOCK_STREAM | SOCK_CLOEXEC (e.g. SOCK_NONBLOCK); a `receive_buffer` above 0 is set
// before listen(), so that accepted sockets inherit it. Throws std::system_error.
LoopbackListener listen_loopback(int backlog, int type_flags = 0, int receive_buffer = 0);

// Whether `fd` turns readable (data or end of stream) within the generous deadline of
// wait_until.hpp; throws std::system_error.
bool wait_readable(int fd);

} // namespace streamd::it

#include "unused_port.hpp"

#include "loopback_socket.hpp"

namespace streamd::it {

std::uint16_t unused_port() {
    // Free once the listener closes, and nobody else is handed it meanwhile.
    return listen_loopback(1).port;
}

} // namespace streamd::it

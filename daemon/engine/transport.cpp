#include "engine/transport.hpp"

#include <sys/socket.h>

namespace streamd {

void PlainSocket::shutdown(int how) {
    ::shutdown(fd_.get(), how);
}

} // namespace streamd

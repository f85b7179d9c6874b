#include "engine/transport.hpp"

#include "engine/connection.hpp"

#include <sys/socket.h>

namespace streamd {

void Transport::shutdown(int how) {
    ::shutdown(fd_.get(), how);
}

io_uring_sqe* Transport::prepare(Connection& c, Op op) {
    return c.prepare(op);
}

} // namespace streamd

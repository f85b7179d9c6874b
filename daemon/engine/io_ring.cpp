#include "engine/io_ring.hpp"

#include <cerrno>
#include <system_error>

namespace streamd {

IoRing::IoRing(unsigned entries) {
    struct Attempt {
        unsigned flags;
        const char* name;
    };
    // Newest first: each drops a feature an older kernel may refuse with EINVAL.
    static constexpr Attempt attempts[] = {
        {IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, "single-issuer, defer-taskrun"},
        {IORING_SETUP_COOP_TASKRUN, "coop-taskrun"},
        {0, "default"},
    };
    int rc = -EINVAL;
    for (const auto& a : attempts) {
        io_uring_params p{};
        p.flags = a.flags;
        rc = io_uring_queue_init_params(entries, &ring_, &p);
        if (rc == 0) {
            setup_ = a.name;
            break;
        }
        if (rc != -EINVAL) break;
    }
    if (rc < 0) throw std::system_error(-rc, std::generic_category(), "io_uring_setup");
    probe_ = io_uring_get_probe_ring(&ring_);
}

IoRing::~IoRing() {
    if (probe_) io_uring_free_probe(probe_);
    io_uring_queue_exit(&ring_);
}

io_uring_sqe* IoRing::sqe() {
    io_uring_sqe* s = io_uring_get_sqe(&ring_);
    while (!s) {
        io_uring_submit(&ring_);
        s = io_uring_get_sqe(&ring_);
    }
    return s;
}

void IoRing::reserve(unsigned n) {
    if (io_uring_sq_space_left(&ring_) < n) io_uring_submit(&ring_);
}

bool IoRing::supports(int opcode) const {
    return probe_ && io_uring_opcode_supported(probe_, opcode);
}

} // namespace streamd

// One io_uring instance with the best set-up flags the kernel accepts.
#pragma once

#include <liburing.h>
#include <string>

namespace streamd {

class IoRing {
public:
    // Throws std::system_error when the kernel refuses io_uring altogether.
    explicit IoRing(unsigned entries);
    IoRing(const IoRing&) = delete;
    IoRing& operator=(const IoRing&) = delete;
    ~IoRing();

    io_uring* get() { return &ring_; }
    // A free submission entry; submits what is queued when the queue is full.
    io_uring_sqe* sqe();
    // Makes room for `n` entries in one go, so that a linked chain is never split
    // across two submissions.
    void reserve(unsigned n);
    // "single-issuer, defer-taskrun" or similar, for the start-up log line.
    const std::string& setup_description() const { return setup_; }
    bool supports(int opcode) const;

private:
    io_uring ring_{};
    io_uring_probe* probe_ = nullptr;
    std::string setup_;
};

} // namespace streamd

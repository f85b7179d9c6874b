#include "engine/splice_pipe.hpp"

#include <atomic>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace streamd {

std::unique_ptr<SplicePipe> SplicePipePool::acquire() {
    if (!free_.empty()) {
        auto p = std::move(free_.back());
        free_.pop_back();
        ++outstanding_;
        return p;
    }
    if (outstanding_ >= max_pipes_) return nullptr;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) < 0) return nullptr;
    auto p = std::make_unique<SplicePipe>();
    p->read_end.reset(fds[0]);
    p->write_end.reset(fds[1]);
    // A larger pipe means fewer splice calls per chunk; an unprivileged daemon may get
    // less than it asks for (fs.pipe-max-size), so keep what the kernel grants.
    int granted = ::fcntl(fds[1], F_SETPIPE_SZ, static_cast<int>(pipe_size_));
    if (granted < 0) granted = ::fcntl(fds[1], F_GETPIPE_SZ);
    p->capacity = granted > 0 ? static_cast<size_t>(granted) : 65536;
    ++outstanding_;
    return p;
}

void SplicePipePool::release(std::unique_ptr<SplicePipe> pipe) {
    if (!pipe) return;
    --outstanding_;
    int held = 0;
    if (::ioctl(pipe->read_end.get(), FIONREAD, &held) == 0 && held == 0)
        free_.push_back(std::move(pipe));
}

void note_copy_fallback(const char* what) {
    static std::atomic<bool> logged{false};
    if (!logged.exchange(true))
        spdlog::warn("splice {} refused by the kernel; copying through user space instead", what);
}

} // namespace streamd

// Pipes that carry spliced data between a socket and a file, from a bounded pool.
#pragma once

#include "unique_fd.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace streamd {

struct SplicePipe {
    UniqueFd read_end;
    UniqueFd write_end;
    size_t capacity = 0;
};

// One pool per worker thread, so it needs no lock.
class SplicePipePool {
public:
    SplicePipePool(size_t pipe_size, size_t max_pipes)
        : pipe_size_(pipe_size), max_pipes_(max_pipes) {}

    // A pipe, or nullptr when the pool is exhausted or the system refuses more pipes.
    std::unique_ptr<SplicePipe> acquire();
    // Empty pipes go back to the pool; one that still holds data is closed. Asked of
    // the kernel rather than taken from the caller's accounting, which cannot know what
    // an operation moved when its connection closed before it completed.
    void release(std::unique_ptr<SplicePipe> pipe);

private:
    size_t pipe_size_;
    size_t max_pipes_;
    size_t outstanding_ = 0;
    std::vector<std::unique_ptr<SplicePipe>> free_;
};

// Logs, once per process, that the kernel refused a splice (`what`: "file to pipe") and
// data is copied through user space instead.
void note_copy_fallback(const char* what);

} // namespace streamd

#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace streamd::it {

struct ExitStatus {
    int code = -1;  // exit code if the process exited
    int signal = 0; // the signal that ended it otherwise

    bool success() const { return signal == 0 && code == 0; }
    std::string describe() const;
};

struct SpawnOptions {
    // argv[0] without a slash is looked up in PATH.
    std::vector<std::string> argv{};
    // Added to, or replacing, the variables inherited from this process.
    std::map<std::string, std::string> env{};
    std::vector<std::string> unset_env{};
    // Descriptors the child keeps at the same number; all others are close-on-exec.
    std::vector<int> keep_fds{};
};

// One child process. stdout and stderr go to anonymous memory files so that they can be read
// at any time, also while the child runs, without a reader thread and without the child ever
// blocking on a full pipe. The child is killed and reaped on destruction if it still runs, and
// it dies with this process (PR_SET_PDEATHSIG) so that a crashing test leaves nothing behind.
class Process {
public:
    explicit Process(const SpawnOptions& options);
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;
    Process(Process&& other) noexcept;
    Process& operator=(Process&& other) noexcept;
    ~Process();

    pid_t pid() const { return pid_; }
    // Becomes readable when the child exits; -1 if the kernel has no pidfd.
    int pidfd() const { return pidfd_.get(); }
    const std::string& command() const { return command_; }

    std::optional<ExitStatus> try_wait();
    std::optional<ExitStatus> wait_for(std::chrono::milliseconds timeout);
    // Sends `signal`, waits up to `grace`, then falls back to SIGKILL.
    ExitStatus stop(int signal, std::chrono::milliseconds grace);

    std::string stdout_text() const;
    std::string stderr_text() const;

private:
    void kill_and_reap() noexcept;

    pid_t pid_ = -1;
    UniqueFd pidfd_;
    UniqueFd stdout_;
    UniqueFd stderr_;
    std::optional<ExitStatus> status_;
    std::string command_;
};

struct RunResult {
    std::string command;
    ExitStatus status;
    bool timed_out = false;
    std::string out;
    std::string err;

    // Everything needed to understand a failure, for assertion messages.
    std::string describe() const;
};

// Runs a command to completion; kills it if it outlives `timeout`.
RunResult run(const SpawnOptions& options, std::chrono::milliseconds timeout);

// The last `count` lines of `text`, so that failure messages stay readable with chatty daemons.
std::string last_lines(const std::string& text, std::size_t count);

// Splits output into lines, dropping the final empty piece after a trailing newline.
std::vector<std::string> lines_of(const std::string& text);

} // namespace streamd::it

#include "process.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <utility>

extern char** environ;

namespace streamd::it {

namespace {

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::string resolve_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        if (dir.empty()) continue;
        std::filesystem::path candidate = std::filesystem::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    throw std::runtime_error("program not found in PATH: " + name);
}

std::vector<std::string> child_environment(const SpawnOptions& options) {
    std::vector<std::string> result;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string_view var(*entry);
        std::string key(var.substr(0, var.find('=')));
        bool dropped = options.env.contains(key);
        for (const auto& name : options.unset_env)
            dropped = dropped || name == key;
        if (!dropped) result.emplace_back(var);
    }
    for (const auto& [key, value] : options.env)
        result.push_back(key + "=" + value);
    return result;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (auto& s : strings)
        result.push_back(s.data());
    result.push_back(nullptr);
    return result;
}

UniqueFd memory_file(const char* name) {
    UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
    if (!fd) throw_errno("memfd_create");
    return fd;
}

std::string read_all(int fd) {
    std::string result;
    std::array<char, 65536> buffer{};
    for (off_t offset = 0;;) {
        ssize_t n = ::pread(fd, buffer.data(), buffer.size(), offset);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        result.append(buffer.data(), static_cast<size_t>(n));
        offset += n;
    }
    return result;
}

ExitStatus status_from(int wait_status) {
    ExitStatus status;
    if (WIFEXITED(wait_status)) status.code = WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) status.signal = WTERMSIG(wait_status);
    return status;
}

std::string quoted_command(const std::vector<std::string>& argv) {
    std::string result;
    for (const auto& arg : argv) {
        if (!result.empty()) result += ' ';
        bool plain = !arg.empty() && arg.find_first_of(" \t'\"\\$") == std::string::npos;
        result += plain ? arg : "'" + arg + "'";
    }
    return result;
}

// Only async-signal-safe calls between fork and exec: the test binary may have threads.
[[noreturn]] void exec_child(pid_t parent, int error_pipe, int stdin_fd, int stdout_fd,
                             int stderr_fd, const std::vector<int>& keep_fds, const char* program,
                             char* const* argv, char* const* envp) {
    auto fail = [error_pipe](int err) {
        [[maybe_unused]] ssize_t ignored = ::write(error_pipe, &err, sizeof err);
        ::_exit(127);
    };
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(errno);
    if (::getppid() != parent) ::_exit(127);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    if (::dup2(stdin_fd, STDIN_FILENO) < 0 || ::dup2(stdout_fd, STDOUT_FILENO) < 0 ||
        ::dup2(stderr_fd, STDERR_FILENO) < 0)
        fail(errno);
    for (int fd : keep_fds)
        if (::fcntl(fd, F_SETFD, 0) != 0) fail(errno);
    ::execve(program, argv, envp);
    fail(errno);
    ::_exit(127);
}

} // namespace

std::string ExitStatus::describe() const {
    if (signal != 0)
        return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "exit status " + std::to_string(code);
}

Process::Process(const SpawnOptions& options) {
    if (options.argv.empty()) throw std::invalid_argument("Process: empty argv");
    command_ = quoted_command(options.argv);
    std::string program = resolve_program(options.argv[0]);
    std::vector<std::string> argv_storage = options.argv;
    std::vector<std::string> env_storage = child_environment(options);
    std::vector<char*> argv = pointers_to(argv_storage);
    std::vector<char*> envp = pointers_to(env_storage);

    stdout_ = memory_file("stdout");
    stderr_ = memory_file("stderr");
    UniqueFd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!dev_null) throw_errno("open /dev/null");
    std::array<int, 2> error_pipe{};
    if (::pipe2(error_pipe.data(), O_CLOEXEC) != 0) throw_errno("pipe2");
    UniqueFd error_read(error_pipe[0]);
    UniqueFd error_write(error_pipe[1]);

    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw_errno("fork");
    if (pid_ == 0)
        exec_child(parent, error_write.get(), dev_null.get(), stdout_.get(), stderr_.get(),
                   options.keep_fds, program.c_str(), argv.data(), envp.data());

    error_write.reset();
    pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
    int child_errno = 0;
    ssize_t n;
    do {
        n = ::read(error_read.get(), &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        kill_and_reap();
        throw std::system_error(child_errno, std::generic_category(), "exec " + program);
    }
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), pidfd_(std::move(other.pidfd_)),
      stdout_(std::move(other.stdout_)), stderr_(std::move(other.stderr_)),
      status_(std::move(other.status_)), command_(std::move(other.command_)) {}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        kill_and_reap();
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::move(other.pidfd_);
        stdout_ = std::move(other.stdout_);
        stderr_ = std::move(other.stderr_);
        status_ = std::move(other.status_);
        command_ = std::move(other.command_);
    }
    return *this;
}

Process::~Process() {
    kill_and_reap();
}

void Process::kill_and_reap() noexcept {
    if (pid_ <= 0 || status_) return;
    ::kill(pid_, SIGKILL);
    int wait_status = 0;
    while (::waitpid(pid_, &wait_status, 0) < 0 && errno == EINTR) {
    }
    status_ = status_from(wait_status);
}

std::optional<ExitStatus> Process::try_wait() {
    if (status_ || pid_ <= 0) return status_;
    int wait_status = 0;
    pid_t r = ::waitpid(pid_, &wait_status, WNOHANG);
    if (r == pid_) status_ = status_from(wait_status);
    return status_;
}

std::optional<ExitStatus> Process::wait_for(std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    while (!try_wait()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return std::nullopt;
        if (pidfd_) {
            pollfd pfd{pidfd_.get(), POLLIN, 0};
            ::poll(&pfd, 1, static_cast<int>(left.count()));
        } else {
            // Without a pidfd there is nothing to block on; look again shortly.
            ::poll(nullptr, 0, static_cast<int>(std::min<long>(left.count(), 10)));
        }
    }
    return status_;
}

ExitStatus Process::stop(int signal, std::chrono::milliseconds grace) {
    if (auto done = try_wait()) return *done;
    ::kill(pid_, signal);
    if (auto done = wait_for(grace)) return *done;
    kill_and_reap();
    return *status_;
}

std::string Process::stdout_text() const {
    return stdout_ ? read_all(stdout_.get()) : "";
}
std::string Process::stderr_text() const {
    return stderr_ ? read_all(stderr_.get()) : "";
}

std::string RunResult::describe() const {
    std::ostringstream s;
    s << "command: " << command << "\n"
      << (timed_out ? "TIMED OUT, then " : "") << status.describe() << "\n"
      << "--- stdout ---\n"
      << out << (out.empty() || out.back() == '\n' ? "" : "\n") << "--- stderr ---\n"
      << err << (err.empty() || err.back() == '\n' ? "" : "\n") << "--------------";
    return s.str();
}

RunResult run(const SpawnOptions& options, std::chrono::milliseconds timeout) {
    Process process(options);
    RunResult result;
    result.command = process.command();
    if (auto status = process.wait_for(timeout)) {
        result.status = *status;
    } else {
        result.timed_out = true;
        result.status = process.stop(SIGKILL, std::chrono::milliseconds(0));
    }
    result.out = process.stdout_text();
    result.err = process.stderr_text();
    return result;
}

std::string last_lines(const std::string& text, std::size_t count) {
    std::size_t start = text.size();
    // A trailing newline ends the last line rather than starting an empty one.
    if (start > 0 && text[start - 1] == '\n') --start;
    for (std::size_t seen = 0; start > 0; --start) {
        if (text[start - 1] == '\n' && ++seen == count) break;
    }
    std::string result = (start > 0 ? "[...]\n" : "") + text.substr(start);
    if (!result.empty() && result.back() != '\n') result += '\n';
    return result;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

} // namespace streamd::it

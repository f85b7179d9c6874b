#include "dbus_bus.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace streamd::it {

namespace {

constexpr std::chrono::seconds startup_timeout{30};
constexpr std::chrono::seconds stop_grace{10};

void write_any_user_config(const std::filesystem::path& file) {
    std::ofstream out(file);
    out << R"(<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <include>/usr/share/dbus-1/session.conf</include>
  <policy context="default"><allow user="*"/></policy>
</busconfig>
)";
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

// Reads the address line dbus-daemon prints once it listens. Bounded: a daemon that dies or
// hangs turns into an exception carrying its stderr.
std::string read_address(int fd, Process& bus) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + startup_timeout;
    std::string text;
    while (text.find('\n') == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            throw std::runtime_error("dbus-daemon printed no address within 30 s; stderr:\n" +
                                     bus.stderr_text());
        pollfd pfd{fd, POLLIN, 0};
        int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) throw std::system_error(errno, std::generic_category());
        if (ready <= 0) continue;
        std::array<char, 512> buffer{};
        ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw std::system_error(errno, std::generic_category(), "read bus address");
        if (n == 0) {
            // EOF without a newline: either the whole address or nothing at all.
            if (!text.empty()) break;
            auto status = bus.wait_for(std::chrono::seconds(5));
            throw std::runtime_error("dbus-daemon exited before printing its address (" +
                                     (status ? status->describe() : "still running") +
                                     "); stderr:\n" + bus.stderr_text());
        }
        text.append(buffer.data(), static_cast<size_t>(n));
    }
    return text.substr(0, text.find('\n'));
}

} // namespace

DbusBus::DbusBus(DbusBusOptions options) : dir_("streamd-it-bus") {
    std::array<int, 2> pipe_fds{};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0)
        throw std::system_error(errno, std::generic_category(), "pipe2");
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);

    SpawnOptions spawn;
    spawn.argv = {"dbus-daemon", "--nofork", "--print-address=" + std::to_string(write_end.get()),
                  "--address=unix:dir=" + dir_.path().string()};
    if (options.allow_any_user) {
        // Other users must be able to reach the socket, too.
        std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
        write_any_user_config(dir_ / "bus.conf");
        spawn.argv.insert(spawn.argv.begin() + 1, "--config-file=" + (dir_ / "bus.conf").string());
    } else {
        spawn.argv.insert(spawn.argv.begin() + 1, "--session");
    }
    spawn.keep_fds = {write_end.get()};
    spawn.unset_env = {"DBUS_SESSION_BUS_ADDRESS", "NOTIFY_SOCKET"};
    process_.emplace(spawn);
    // Only the daemon may hold the write end, or EOF would never come if it died.
    write_end.reset();
    address_ = read_address(read_end.get(), *process_);
    if (address_.empty())
        throw std::runtime_error("dbus-daemon printed an empty address; stderr:\n" +
                                 process_->stderr_text());
}

DbusBus::~DbusBus() {
    stop();
}

void DbusBus::stop() {
    if (process_) process_->stop(SIGTERM, stop_grace);
}

} // namespace streamd::it

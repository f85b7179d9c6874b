#include "notify_socket.hpp"

#include "unix_datagram.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <optional>
#include <poll.h>
#include <stdexcept>
#include <string_view>
#include <sys/socket.h>
#include <system_error>
#include <vector>

namespace streamd::it {

namespace {

struct Readiness {
    bool ready = false;
    std::optional<std::uint16_t> port;
    std::string status;
};

Readiness parse_datagram(std::string_view datagram) {
    Readiness result;
    constexpr std::string_view status_prefix = "STATUS=";
    constexpr std::string_view listening = "listening on ";
    while (!datagram.empty()) {
        auto end = datagram.find('\n');
        std::string_view line = datagram.substr(0, end);
        datagram = end == std::string_view::npos ? std::string_view{} : datagram.substr(end + 1);
        if (line == "READY=1") result.ready = true;
        if (!line.starts_with(status_prefix)) continue;
        line.remove_prefix(status_prefix.size());
        result.status = line;
        if (!line.starts_with(listening)) continue;
        auto colon = line.rfind(':');
        if (colon == std::string_view::npos) continue;
        std::string_view digits = line.substr(colon + 1);
        unsigned value = 0;
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec == std::errc{} && ptr == digits.data() + digits.size() && value > 0 &&
            value <= 65535)
            result.port = static_cast<std::uint16_t>(value);
    }
    return result;
}

} // namespace

NotifySocket::NotifySocket(std::filesystem::path path)
    : path_(std::move(path)), fd_(bind_unix_datagram(path_)) {}

NotifySocket::~NotifySocket() {
    fd_.reset();
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
}

std::uint16_t NotifySocket::wait_until_listening(Process& daemon,
                                                 std::chrono::milliseconds timeout) {
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + timeout;
    auto failure = [&](const std::string& why) {
        return std::runtime_error(why + "\ncommand: " + daemon.command() +
                                  "\nnotifications so far:\n" + received_ + "--- stderr ---\n" +
                                  daemon.stderr_text() + "--- stdout ---\n" + daemon.stdout_text());
    };
    std::vector<char> buffer(65536);
    for (;;) {
        // Datagrams already queued count even if the daemon exited right after sending them.
        ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n >= 0) {
            std::string_view datagram(buffer.data(), static_cast<size_t>(n));
            record(datagram);
            Readiness readiness = parse_datagram(datagram);
            if (!readiness.ready) continue;
            if (!readiness.port)
                throw failure("READY=1 came without a \"STATUS=listening on ADDRESS:PORT\" line");
            return *readiness.port;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            throw std::system_error(errno, std::generic_category(), "recv on notify socket");

        if (auto status = daemon.try_wait())
            throw failure("daemon exited before READY=1 (" + status->describe() + ")");
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            throw failure("daemon sent no READY=1 within " + std::to_string(timeout.count()) +
                          " ms");
        std::array<pollfd, 2> fds{pollfd{fd_.get(), POLLIN, 0}, pollfd{daemon.pidfd(), POLLIN, 0}};
        // Without a pidfd an exit can only be noticed by looking again, so cap the wait.
        int wait_ms = daemon.pidfd() >= 0 ? static_cast<int>(left.count())
                                          : static_cast<int>(std::min<long>(left.count(), 50));
        ::poll(fds.data(), daemon.pidfd() >= 0 ? 2 : 1, wait_ms);
    }
}

std::optional<std::string> NotifySocket::next(std::chrono::milliseconds timeout) {
    auto datagram = receive_datagram(fd_.get(), timeout);
    if (datagram) record(*datagram);
    return datagram;
}

const std::string& NotifySocket::received() {
    while (next(std::chrono::milliseconds(0))) {
    }
    return received_;
}

void NotifySocket::record(std::string_view datagram) {
    received_.append(datagram);
    if (received_.empty() || received_.back() != '\n') received_ += '\n';
    received_ += "--\n";
}

} // namespace streamd::it

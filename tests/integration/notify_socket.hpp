#pragma once

#include "process.hpp"
#include "unique_fd.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace streamd::it {

// The receiving end of the sd_notify protocol: an AF_UNIX datagram socket whose path is handed
// to a daemon as NOTIFY_SOCKET, exactly as systemd does for Type=notify services.
class NotifySocket {
public:
    explicit NotifySocket(std::filesystem::path path);
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;
    ~NotifySocket();

    const std::filesystem::path& path() const { return path_; }

    // Waits for a datagram with READY=1 and returns the port from its
    // "STATUS=listening on ADDRESS:PORT" line. Throws, with the daemon's stderr, if the daemon
    // exits first, the wait times out, or the datagram lacks the port.
    std::uint16_t wait_until_listening(Process& daemon, std::chrono::milliseconds timeout);

    // The next datagram ("READY=1\nSTATUS=..."), or nullopt if none comes within `timeout`.
    std::optional<std::string> next(std::chrono::milliseconds timeout);

    // Every datagram sent so far, also those not yet read by next().
    const std::string& received();

private:
    void record(std::string_view datagram);

    std::filesystem::path path_;
    UniqueFd fd_;
    std::string received_;
};

} // namespace streamd::it

#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace streamd::it {

// An AF_UNIX datagram socket bound at `path`, the way systemd listens for sd_notify and for
// the journal's native protocol. Throws std::system_error or std::runtime_error.
UniqueFd bind_unix_datagram(const std::filesystem::path& path);

// The next datagram on `fd`, or nullopt if none comes within `timeout`.
std::optional<std::string> receive_datagram(int fd, std::chrono::milliseconds timeout);

} // namespace streamd::it

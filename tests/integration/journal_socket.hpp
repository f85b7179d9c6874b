#pragma once

#include "unique_fd.hpp"

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace streamd::it {

// One journal entry as a client sent it: field name to value.
using JournalEntry = std::map<std::string, std::string>;

// The receiving end of the journal's native protocol (systemd.journal-fields(7), the
// "Native Journal Protocol"): an AF_UNIX datagram socket at `root`/systemd/journal/socket. A
// daemon sees it as /run/systemd/journal/socket when `root` is bind-mounted on /run in its
// own mount namespace (see journal_prefix()).
class JournalSocket {
public:
    explicit JournalSocket(std::filesystem::path root);
    JournalSocket(const JournalSocket&) = delete;
    JournalSocket& operator=(const JournalSocket&) = delete;

    // The next entry, or nullopt if none comes within `timeout`. Throws on a datagram that
    // does not follow the protocol.
    std::optional<JournalEntry> next(std::chrono::milliseconds timeout);

    // A command prefix that runs the daemon in a mount namespace of its own, where this socket
    // is the journal and stderr is a journal stream, as under systemd.
    std::vector<std::string> journal_prefix() const;

private:
    std::filesystem::path root_;
    UniqueFd fd_;
};

// Every entry, one field a line, for failure messages.
std::string describe(const std::vector<JournalEntry>& entries);

} // namespace streamd::it

#include "journal_socket.hpp"

#include "unix_datagram.hpp"

#include <stdexcept>
#include <string_view>
#include <sys/socket.h>

namespace streamd::it {

namespace {

// "NAME=value\n" for plain values; "NAME\n", a 64-bit little-endian length, the value and
// "\n" for values that hold a newline.
JournalEntry parse_entry(std::string_view datagram) {
    JournalEntry entry;
    while (!datagram.empty()) {
        auto end = datagram.find('\n');
        if (end == std::string_view::npos) throw std::runtime_error("journal field without \\n");
        std::string_view line = datagram.substr(0, end);
        auto eq = line.find('=');
        if (eq != std::string_view::npos) {
            entry[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
            datagram.remove_prefix(end + 1);
            continue;
        }
        datagram.remove_prefix(end + 1);
        if (datagram.size() < 8) throw std::runtime_error("journal field without its length");
        uint64_t length = 0;
        for (int i = 7; i >= 0; --i)
            length = length << 8 | static_cast<unsigned char>(datagram[static_cast<size_t>(i)]);
        datagram.remove_prefix(8);
        if (datagram.size() < length + 1 || datagram[length] != '\n')
            throw std::runtime_error("journal field shorter than its length");
        entry[std::string(line)] = std::string(datagram.substr(0, length));
        datagram.remove_prefix(length + 1);
    }
    return entry;
}

} // namespace

JournalSocket::JournalSocket(std::filesystem::path root) : root_(std::move(root)) {
    const auto path = root_ / "systemd" / "journal" / "socket";
    std::filesystem::create_directories(path.parent_path());
    fd_ = bind_unix_datagram(path);
    // Room for a burst of entries while the test looks elsewhere.
    int size = 4 << 20;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size);
}

std::optional<JournalEntry> JournalSocket::next(std::chrono::milliseconds timeout) {
    auto datagram = receive_datagram(fd_.get(), timeout);
    if (!datagram) return std::nullopt;
    return parse_entry(*datagram);
}

std::vector<std::string> JournalSocket::journal_prefix() const {
    // JOURNAL_STREAM names stderr, as systemd sets it for a unit whose output goes to the
    // journal; it is what tells streamd that it runs under systemd.
    return {"unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one script over two lines
            "mount --bind \"$0\" /run && "
            "export JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) && exec \"$@\"",
            root_.string()};
}

std::string describe(const std::vector<JournalEntry>& entries) {
    std::string out;
    for (const auto& entry : entries) {
        for (const auto& [name, value] : entry)
            out += name + "=" + value + "\n";
        out += "--\n";
    }
    return out;
}

} // namespace streamd::it

// What streamd says when it starts, or refuses to, how its port treats strangers, and how
// it ends when its bus does.

#include "loopback_socket.hpp"
#include "process.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "tool_paths.hpp"
#include "unique_fd.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <fstream>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;
constexpr auto kTimeout = std::chrono::seconds(30);

fs::path write_config(const fixtures::TempDir& dir, const std::string& text) {
    fs::path path = dir.path() / "streamd.toml";
    std::ofstream(path) << text;
    return path;
}

RunResult run_streamd(const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& env = {}) {
    SpawnOptions o;
    o.argv = {streamd_binary().string()};
    o.argv.insert(o.argv.end(), args.begin(), args.end());
    o.env = env;
    return run(o, kTimeout);
}

TEST(DaemonStart, PrintsItsVersion) {
    auto r = run_streamd({"--version"});
    ASSERT_TRUE(r.status.success()) << r.describe();
    EXPECT_EQ(r.out, "streamd 0.1.0\n");
}

TEST(DaemonStart, UnknownOptionIsAUsageError) {
    auto r = run_streamd({"--frobnicate"});
    EXPECT_EQ(r.status.code, 2) << r.describe();
    EXPECT_NE(r.err.find("unknown option '--frobnicate'"), std::string::npos) << r.describe();
}

TEST(DaemonStart, BadConfigurationNamesFileLineAndColumn) {
    fixtures::TempDir dir;
    auto path = write_config(dir, "[listen]\nport = 7740\nportt = 1\n");
    auto r = run_streamd({"--user", "--config", path.string()});
    EXPECT_EQ(r.status.code, 1) << r.describe();
    EXPECT_NE(r.err.find(path.string() + ":3:1: unknown key 'portt' in [listen]"),
              std::string::npos)
        << r.describe();
}

TEST(DaemonStart, MissingConfigurationFileIsRefused) {
    fixtures::TempDir dir;
    auto r = run_streamd({"--user", "--config", (dir.path() / "nope.toml").string()});
    EXPECT_EQ(r.status.code, 1) << r.describe();
    EXPECT_NE(r.err.find("nope.toml: cannot read: No such file or directory"), std::string::npos)
        << r.describe();
}

// Under systemd, stderr is a journal stream named by JOURNAL_STREAM; each line then
// starts with its syslog priority instead of a timestamp.
TEST(DaemonStart, JournalStreamGetsPriorityPrefixes) {
    fixtures::TempDir dir;
    auto path = write_config(dir, "[transfer]\nstreams = 0\n");
    SpawnOptions o;
    o.argv = {
        "sh", "-c",
        "JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) exec \"$0\" --user --config \"$1\"",
        streamd_binary().string(), path.string()};
    auto r = run(o, kTimeout);
    EXPECT_EQ(r.status.code, 1) << r.describe();
    EXPECT_EQ(r.err.rfind("<2>" + path.string() + ":2:11: [transfer] streams must be", 0), 0u)
        << r.describe();
}

TEST(DaemonStart, TerminalLogIsPlainText) {
    fixtures::TempDir dir;
    auto path = write_config(dir, "[transfer]\nstreams = 0\n");
    // A JOURNAL_STREAM inherited from elsewhere must not switch the format.
    auto r = run_streamd({"--user", "--config", path.string()}, {{"JOURNAL_STREAM", "1:1"}});
    EXPECT_EQ(r.status.code, 1) << r.describe();
    EXPECT_EQ(r.err.find("<2>"), std::string::npos) << r.describe();
    EXPECT_NE(r.err.find("critical"), std::string::npos) << r.describe();
}

// A daemon on folders that `holder` uses: its own port and bus, `holder`'s incoming or
// state folder.
RunResult start_beside(StreamdInstance& holder, const fixtures::TempDir& dir, bool same_state) {
    const fs::path incoming = same_state ? dir.path() / "incoming" : holder.incoming();
    const fs::path state =
        same_state ? holder.incoming().parent_path() / "state" : dir.path() / "state";
    auto path =
        write_config(dir, "[listen]\naddress = \"127.0.0.1\"\nport = 0\n[storage]\n"
                          "incoming = \"" +
                              incoming.string() + "\"\nstate = \"" + state.string() + "\"\n");
    return run_streamd({"--user", "--config", path.string()},
                       {{"DBUS_SESSION_BUS_ADDRESS", holder.bus_address()}});
}

TEST(DaemonStart, ASecondDaemonOnTheSameStateFolderIsRefusedAndToldWhoHasIt) {
    StreamdInstance first;
    fixtures::TempDir dir;
    auto r = start_beside(first, dir, true);
    EXPECT_EQ(r.status.code, 1) << r.describe();
    const fs::path state = first.incoming().parent_path() / "state";
    EXPECT_NE(r.err.find("state folder " + state.string() + " is in use by another streamd (pid " +
                         std::to_string(first.pid()) + "): each daemon needs folders of its own"),
              std::string::npos)
        << r.describe();
    EXPECT_TRUE(first.running());
}

TEST(DaemonStart, ASecondDaemonOnTheSameIncomingFolderIsRefusedAndToldWhoHasIt) {
    StreamdInstance first;
    fixtures::TempDir dir;
    auto r = start_beside(first, dir, false);
    EXPECT_EQ(r.status.code, 1) << r.describe();
    EXPECT_NE(r.err.find("incoming folder " + first.incoming().string() +
                         " is in use by another streamd (pid " + std::to_string(first.pid()) + ")"),
              std::string::npos)
        << r.describe();
    // The second daemon left nothing behind in the first one's folders.
    EXPECT_EQ(entries_in(first.incoming()), std::vector<std::string>{});
    EXPECT_TRUE(first.running());
}

// A connection to the daemon's port, with a bounded wait for its answer.
class PortClient {
public:
    explicit PortClient(uint16_t port) : fd_(connect_loopback(port)) {
        timeval tv{10, 0};
        ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    void send(std::string_view bytes) {
        ASSERT_EQ(::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(bytes.size()));
    }
    // Everything until the daemon closes the connection (or the wait runs out).
    std::string read_all() {
        std::string all;
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(fd_.get(), buf, sizeof buf, 0)) > 0)
            all.append(buf, static_cast<size_t>(n));
        return all;
    }

private:
    UniqueFd fd_;
};

TEST(DaemonPort, AnswersHttpWithNotImplementedWhenTheWebIsOff) {
    StreamdInstance d(StreamdOptions{.web_enabled = false});
    PortClient c(d.port());
    c.send("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto reply = c.read_all();
    EXPECT_EQ(reply.rfind("HTTP/1.1 501 Not Implemented\r\n", 0), 0u) << reply;
}

TEST(DaemonPort, RefusesAnUnknownProtocolVersionAndKeepsServing) {
    StreamdInstance d;
    {
        PortClient c(d.port());
        c.send(std::string("\xC5STD\x00\x09\x00\x00", 8));
        auto reply = c.read_all();
        // An ERROR frame (type 6) with code UNSUPPORTED_VERSION (1) and a message.
        ASSERT_GE(reply.size(), 12u) << d.log();
        EXPECT_EQ(reply[0], '\x06');
        EXPECT_EQ(reply.substr(8, 2), std::string("\x00\x01", 2));
        EXPECT_NE(reply.find("version 9 is not supported"), std::string::npos);
    }
    {
        PortClient c(d.port());
        c.send("\x01garbage that is neither HTTP nor ours");
        EXPECT_EQ(c.read_all(), "");
    }
    // Still serving: a real transfer goes through.
    StreamdInstance sender;
    fixtures::TempDir dir;
    fs::path file = dir.path() / "after.bin";
    write_random_file(file, 100000, 7);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), d.endpoint()});
    ASSERT_TRUE(r.status.success()) << r.describe() << d.log();
    EXPECT_EQ(fs::file_size(d.incoming() / "after.bin"), 100000u);
}

TEST(DaemonBus, LosingTheBusStopsTheDaemonWithItsReason) {
    // A daemon nobody can see or steer any more stops, for its service manager to start
    // again, rather than run on (or hang) without its bus.
    StreamdInstance d;
    d.stop_bus();
    auto status = d.wait_exit(std::chrono::seconds(60));
    ASSERT_TRUE(status.has_value()) << "still running without its bus\n" << d.log();
    EXPECT_EQ(status->code, 1) << status->describe() << "\n" << d.log();
    EXPECT_NE(d.log().find("lost the connection to the session bus"), std::string::npos) << d.log();
}

} // namespace
} // namespace streamd::it

// streamd as systemd runs it. The test plays the service manager's side of each protocol:
// the notify socket (readiness, status, watchdog, stopping), systemd-socket-activate for the
// listening socket, and the journal's socket for the fields of each transfer.

#include "journal_socket.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "tool_paths.hpp"
#include "wait_until.hpp"

#include <chrono>
#include <functional>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The first line of the daemon's notifications from now on that `matches`, or nullopt if
// none comes within the generous deadline.
std::optional<std::string> wait_for_line(NotifySocket& notify,
                                         const std::function<bool(std::string_view)>& matches) {
    const auto deadline = Clock::now() + generous_deadline;
    while (Clock::now() < deadline) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        auto datagram = notify.next(left);
        if (!datagram) break;
        std::string_view rest = *datagram;
        while (!rest.empty()) {
            auto end = rest.find('\n');
            std::string_view line = rest.substr(0, end);
            if (matches(line)) return std::string(line);
            rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
        }
    }
    return std::nullopt;
}

auto starts_with(std::string_view prefix) {
    return [prefix](std::string_view line) { return line.starts_with(prefix); };
}

TEST(ServiceManager, SigtermSaysStoppingAndExitsZero) {
    StreamdInstance daemon;
    ExitStatus status = daemon.stop();
    EXPECT_TRUE(status.success()) << status.describe() << daemon.log();
    EXPECT_TRUE(wait_for_line(daemon.notifications(), starts_with("STOPPING=1")))
        << daemon.notifications().received();
}

TEST(ServiceManager, WatchdogPingsComeWithinTheInterval) {
    // Pings at half the interval, as systemd advises; one that came later than the whole
    // interval would have had the daemon killed.
    constexpr auto interval = std::chrono::seconds(3);
    const std::string usec = std::to_string(std::chrono::microseconds(interval).count());
    StreamdInstance daemon(StreamdOptions{.environment = {{"WATCHDOG_USEC", usec}}});
    std::vector<Clock::duration> gaps;
    auto last = Clock::now();
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE(wait_for_line(daemon.notifications(), starts_with("WATCHDOG=1")))
            << "ping " << i + 1 << " missing\n"
            << daemon.notifications().received() << daemon.log();
        auto now = Clock::now();
        gaps.push_back(now - last);
        last = now;
    }
    for (size_t i = 1; i < gaps.size(); ++i)
        EXPECT_LT(gaps[i], interval) << "between pings " << i << " and " << i + 1;
}

TEST(ServiceManager, NoWatchdogPingsUnlessAsked) {
    StreamdInstance daemon;
    daemon.stop();
    // Everything it said is queued by now; a ping would be among it.
    EXPECT_EQ(daemon.notifications().received().find("WATCHDOG=1"), std::string::npos)
        << daemon.notifications().received();
}

TEST(ServiceManager, StatusTellsWhatMoves) {
    RelayedPair pair;
    fixtures::TempDir sources("streamd-it-status");
    write_random_file(sources / "moving.bin", 32 * MiB, 7);
    pair.relay.hold_after(MiB);
    RunResult sent = run_streamctl(pair.sender.bus_address(),
                                   {"send", "--no-block", "--streams", "2",
                                    (sources / "moving.bin").string(), pair.relay.endpoint()});
    ASSERT_TRUE(sent.status.success()) << sent.describe();

    auto receiving =
        wait_for_line(pair.receiver.notifications(), starts_with("STATUS=1 receiving, "));
    EXPECT_TRUE(receiving) << pair.receiver.notifications().received() << pair.logs();
    EXPECT_TRUE(receiving && receiving->ends_with("/s")) << receiving.value_or("");
    EXPECT_TRUE(wait_for_line(pair.sender.notifications(), starts_with("STATUS=1 sending, ")))
        << pair.sender.notifications().received() << pair.logs();

    pair.relay.release();
    const std::string idle = "STATUS=listening on " + pair.receiver.endpoint();
    EXPECT_TRUE(wait_for_line(pair.receiver.notifications(),
                              [&](std::string_view line) { return line == idle; }))
        << pair.receiver.notifications().received() << pair.logs();
    EXPECT_EQ(sha256_of(pair.receiver.incoming() / "moving.bin"),
              sha256_of(sources / "moving.bin"));
}

TEST(ServiceManager, TakesItsSocketFromTheServiceManager) {
    StreamdInstance receiver(StreamdOptions{.socket_activated = true});
    StreamdInstance sender;
    EXPECT_NE(receiver.log().find("listening on " + receiver.endpoint() +
                                  " (a socket from the service manager)"),
              std::string::npos)
        << receiver.log();

    fixtures::TempDir sources("streamd-it-activated");
    write_random_file(sources / "activated.bin", 4 * MiB + 1, 3);
    RunResult sent = run_streamctl(
        sender.bus_address(), {"send", (sources / "activated.bin").string(), receiver.endpoint()});
    ASSERT_TRUE(sent.status.success()) << sent.describe() << receiver.log();
    EXPECT_EQ(sha256_of(receiver.incoming() / "activated.bin"),
              sha256_of(sources / "activated.bin"));
}

// Passed descriptors that streamd cannot listen on stop the start with the reason. The shell
// plays the service manager: LISTEN_PID is its own pid, which the daemon inherits by exec.
RunResult start_with_passed_fds(const fs::path& config, const std::string& open_fds, int count) {
    return run({.argv = {"sh", "-c",
                         open_fds + "; LISTEN_FDS=" + std::to_string(count) +
                             " LISTEN_PID=$$ exec \"$0\" --user --config \"$1\"",
                         streamd_binary().string(), config.string()}},
               std::chrono::seconds(30));
}

TEST(ServiceManager, PassedDescriptorsThatAreNoListeningSocketAreRefused) {
    fixtures::TempDir dir("streamd-it-passed-fds");
    write_text_file(dir / "streamd.toml", "[storage]\nincoming = \"in\"\nstate = \"state\"\n");
    RunResult file = start_with_passed_fds(dir / "streamd.toml", "exec 3</dev/null", 1);
    EXPECT_EQ(file.status.code, 1) << file.describe();
    EXPECT_NE(file.err.find("the socket passed by the service manager is not a listening TCP "
                            "socket"),
              std::string::npos)
        << file.describe();

    RunResult two = start_with_passed_fds(dir / "streamd.toml", "exec 3</dev/null 4</dev/null", 2);
    EXPECT_EQ(two.status.code, 1) << two.describe();
    EXPECT_NE(two.err.find("the service manager passed 2 sockets; streamd listens on one"),
              std::string::npos)
        << two.describe();
}

// The journal entries of one transfer, found by its TRANSFER_ID as journalctl would.
TEST(ServiceManager, JournalEntriesCarryTheTransfer) {
    if (::geteuid() != 0) GTEST_SKIP() << "a journal socket at /run/systemd needs a mount";
    fixtures::TempDir root("streamd-it-journal");
    JournalSocket journal(root.path());
    StreamdInstance receiver(StreamdOptions{.command_prefix = journal.journal_prefix()});
    StreamdInstance sender;

    fixtures::TempDir sources("streamd-it-journal-files");
    constexpr std::uint64_t size = 3 * MiB + 5;
    write_random_file(sources / "logged.bin", size, 9);
    RunResult sent = run_streamctl(
        sender.bus_address(), {"send", (sources / "logged.bin").string(), receiver.endpoint()});
    ASSERT_TRUE(sent.status.success()) << sent.describe() << receiver.log();

    std::vector<JournalEntry> seen;
    std::optional<JournalEntry> done;
    while (!done) {
        auto entry = journal.next(generous_deadline);
        ASSERT_TRUE(entry) << "no entry for the finished transfer\n" << describe(seen);
        seen.push_back(*entry);
        if (entry->contains("RESULT")) done = entry;
    }
    const JournalEntry& end = *done;
    ASSERT_TRUE(end.contains("TRANSFER_ID")) << describe(seen);
    const std::string id = end.at("TRANSFER_ID");
    EXPECT_EQ(end.at("RESULT"), "done");
    EXPECT_EQ(end.at("DIRECTION"), "in");
    EXPECT_EQ(end.at("BYTES"), std::to_string(size));
    EXPECT_TRUE(end.at("PEER").starts_with("127.0.0.1:")) << end.at("PEER");
    EXPECT_EQ(end.at("PRIORITY"), "6");
    EXPECT_EQ(end.at("SYSLOG_IDENTIFIER"), "streamd");
    EXPECT_TRUE(end.at("MESSAGE").starts_with("transfer " + id + ": received logged.bin"))
        << end.at("MESSAGE");

    // The same transfer's first entry, from before it ended, has no RESULT yet; messages that
    // are not about a transfer have none of its fields.
    bool started = false, daemon_message = false;
    for (const auto& e : seen) {
        if (e.contains("TRANSFER_ID") && e.at("TRANSFER_ID") == id && !e.contains("RESULT"))
            started = started || e.at("MESSAGE").find("receiving logged.bin") != std::string::npos;
        if (!e.contains("TRANSFER_ID") && e.at("MESSAGE").find("listening on") != std::string::npos)
            daemon_message = e.at("PRIORITY") == "6";
    }
    EXPECT_TRUE(started) << describe(seen);
    EXPECT_TRUE(daemon_message) << describe(seen);

    // LogControl1 tells where messages go; "console" sends them to stderr instead.
    StreamdBus bus(receiver.bus_address());
    EXPECT_EQ(bus.property(log_control_path, log_control_interface, "LogTarget").get<std::string>(),
              "journal");
    bus.set_property(log_control_path, log_control_interface, "LogTarget",
                     sdbus::Variant(std::string("console")));
    RunResult again = run_streamctl(
        sender.bus_address(),
        {"send", "--as", "second.bin", (sources / "logged.bin").string(), receiver.endpoint()});
    ASSERT_TRUE(again.status.success()) << again.describe();
    EXPECT_TRUE(wait_until([&] {
        return receiver.log().find(": received second.bin (3.00 MiB) from 127.0.0.1:") !=
               std::string::npos;
    })) << receiver.log();
}

} // namespace
} // namespace streamd::it

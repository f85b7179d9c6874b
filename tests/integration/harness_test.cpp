// The harness itself, checked without streamd so that a failing suite points at the daemon and
// not at the test machinery.

#include "dbus_bus.hpp"
#include "process.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <csignal>
#include <filesystem>
#include <gtest/gtest.h>
#include <stdexcept>
#include <string>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

using namespace std::chrono_literals;

// A stand-in for streamd: a shell script that ignores its arguments.
fs::path fake_daemon(const fixtures::TempDir& dir, const std::string& body) {
    fs::path script = dir / "fake-streamd";
    write_text_file(script, "#!/bin/sh\n" + body + "\n");
    fs::permissions(script, fs::perms(0755));
    return script;
}

std::string startup_failure(const fs::path& binary, std::chrono::milliseconds ready_timeout) {
    try {
        StreamdInstance daemon(binary, StreamdOptions{.ready_timeout = ready_timeout});
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(Harness, ProcessCapturesOutputAndExitStatus) {
    RunResult result = run({.argv = {"sh", "-c", "echo out; echo err >&2; exit 3"}}, 30s);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.status.code, 3);
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
}

TEST(Harness, ProcessPassesEnvironment) {
    RunResult result = run({.argv = {"sh", "-c", "echo \"$STREAMD_IT_PROBE\""},
                            .env = {{"STREAMD_IT_PROBE", "value"}}},
                           30s);
    EXPECT_EQ(result.out, "value\n") << result.describe();
}

TEST(Harness, ProcessOutlivingItsTimeoutIsKilled) {
    RunResult result = run({.argv = {"sleep", "1000"}}, 100ms);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.status.signal, SIGKILL);
}

TEST(Harness, PrivateBusAnswers) {
    DbusBus bus;
    ASSERT_FALSE(bus.address().empty());
    RunResult result =
        run({.argv = {"dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                      "/org/freedesktop/DBus", "org.freedesktop.DBus.GetId"},
             .env = {{"DBUS_SESSION_BUS_ADDRESS", bus.address()}}},
            30s);
    EXPECT_TRUE(result.status.success()) << result.describe() << "\nbus log:\n" << bus.log();
}

TEST(Harness, DaemonExitingBeforeReadyIsReported) {
    std::string error = startup_failure("/bin/false", 30s);
    EXPECT_NE(error.find("exited before READY=1"), std::string::npos) << error;
    EXPECT_NE(error.find("exit status 1"), std::string::npos) << error;
}

TEST(Harness, DaemonNeverReadyTimesOut) {
    fixtures::TempDir dir;
    std::string error =
        startup_failure(fake_daemon(dir, "echo starting >&2; exec sleep 1000"), 200ms);
    EXPECT_NE(error.find("no READY=1"), std::string::npos) << error;
    EXPECT_NE(error.find("starting"), std::string::npos) << "stderr is part of the report\n"
                                                         << error;
}

TEST(Harness, ReadinessCarriesThePort) {
    fixtures::TempDir dir;
    fs::path script =
        fake_daemon(dir, "systemd-notify --ready --status='listening on 127.0.0.1:4242' || exit 1\n"
                         "exec sleep 1000");
    RunResult probe = run({.argv = {"sh", "-c", "command -v systemd-notify"}}, 30s);
    if (!probe.status.success()) GTEST_SKIP() << "systemd-notify is not installed";
    StreamdInstance daemon(script, {});
    EXPECT_EQ(daemon.port(), 4242);
    EXPECT_EQ(daemon.endpoint(), "127.0.0.1:4242");
}

} // namespace
} // namespace streamd::it

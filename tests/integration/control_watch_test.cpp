// `streamctl watch ID` with its output not on a terminal: a line per state change, exit 0 once
// the transfer is done, 1 if it failed or was canceled.

#include "control_expectations.hpp"
#include "process.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "unused_port.hpp"
#include "wait_until.hpp"

#include <csignal>
#include <gtest/gtest.h>
#include <string>

namespace streamd::it {
namespace {

class ControlWatch : public ::testing::Test {
protected:
    ControlWatch() { daemons_.relay.hold_after(MiB); }

    std::uint32_t send(const std::string& name, const std::string& destination) {
        write_random_file(sources_ / name, 16 * MiB, 0x3a7c);
        RunResult sent =
            run_streamctl(daemons_.sender.bus_address(), {"send", "--no-block", "--streams", "1",
                                                          (sources_ / name).string(), destination});
        EXPECT_TRUE(succeeded(sent)) << daemons_.logs();
        auto ids = queued_ids(sent);
        EXPECT_TRUE(ids && ids->size() == 1) << "want one id\n" << sent.describe();
        return ids && ids->size() == 1 ? ids->front() : 0;
    }

    // Waits for a background watch to end on its own.
    RunResult finish(Process& watch) {
        RunResult result;
        result.command = watch.command();
        if (auto status = watch.wait_for(generous_deadline)) {
            result.status = *status;
        } else {
            result.timed_out = true;
            result.status = watch.stop(SIGKILL, std::chrono::milliseconds(0));
        }
        result.out = watch.stdout_text();
        result.err = watch.stderr_text();
        return result;
    }

    RelayedPair daemons_;
    fixtures::TempDir sources_{"streamd-it-sources"};
};

TEST_F(ControlWatch, ExitsZeroOnceDone) {
    const std::uint32_t id = send("watched.bin", daemons_.relay.endpoint());
    ASSERT_NE(id, 0u);
    auto running = wait_for_state(daemons_.sender_bus, id, "running");
    ASSERT_TRUE(running.row) << running.report << daemons_.logs();

    Process watch = start_streamctl(daemons_.sender.bus_address(), {"watch", std::to_string(id)});
    daemons_.relay.release();
    RunResult watched = finish(watch);
    ASSERT_TRUE(succeeded(watched)) << daemons_.logs();
    EXPECT_NE(watched.out.find("done"), std::string::npos) << watched.describe();
    EXPECT_TRUE(watched.err.empty()) << watched.describe();
    auto row = daemons_.sender_bus.find_transfer(id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, "done") << "watch ended before the transfer did";
}

TEST_F(ControlWatch, ExitsOneWhenCanceled) {
    const std::uint32_t id = send("canceled.bin", daemons_.relay.endpoint());
    ASSERT_NE(id, 0u);
    auto running = wait_for_state(daemons_.sender_bus, id, "running");
    ASSERT_TRUE(running.row) << running.report << daemons_.logs();

    Process watch = start_streamctl(daemons_.sender.bus_address(), {"watch", std::to_string(id)});
    ASSERT_TRUE(
        succeeded(run_streamctl(daemons_.sender.bus_address(), {"cancel", std::to_string(id)})));
    RunResult watched = finish(watch);
    EXPECT_FALSE(watched.timed_out) << watched.describe();
    EXPECT_EQ(watched.status.code, 1) << watched.describe();
    EXPECT_NE((watched.out + watched.err).find("canceled"), std::string::npos)
        << watched.describe();
}

TEST_F(ControlWatch, ExitsOneWhenFailed) {
    const std::uint32_t id = send("failed.bin", "127.0.0.1:" + std::to_string(unused_port()));
    ASSERT_NE(id, 0u);
    RunResult watched = run_streamctl(daemons_.sender.bus_address(), {"watch", std::to_string(id)});
    EXPECT_FALSE(watched.timed_out) << watched.describe();
    EXPECT_EQ(watched.status.code, 1) << watched.describe();
    EXPECT_NE((watched.out + watched.err).find("failed"), std::string::npos) << watched.describe();
}

TEST_F(ControlWatch, UnknownTransfer) {
    expect_streamctl_failure(run_streamctl(daemons_.sender.bus_address(), {"watch", "4000000000"}),
                             {});
}

} // namespace
} // namespace streamd::it

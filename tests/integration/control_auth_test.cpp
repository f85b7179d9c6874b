// Anyone on the bus may look; only root, the daemon's own user and members of [control] group
// may change anything. Others are told "permission denied" and nothing changes.

#include "control_expectations.hpp"
#include "process.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"

#include <chrono>
#include <filesystem>
#include <grp.h>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

const StreamctlOptions as_nobody{.as_nobody = true};
// A group every Debian system has, which nobody (65534) is not a member of.
constexpr const char* trusted_group = "users";

RunResult busctl(const std::string& bus_address, std::vector<std::string> args,
                 bool nobody = false) {
    SpawnOptions spawn;
    if (nobody) spawn.argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    spawn.argv.insert(spawn.argv.end(), {"busctl", "--user", "--no-pager"});
    spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
    spawn.env = {{"DBUS_SESSION_BUS_ADDRESS", bus_address}};
    return run(spawn, std::chrono::seconds(60));
}

std::vector<std::string> log_level_args(const std::string& verb) {
    return {verb, "org.streamd.Streamd1", log_control_path, log_control_interface, "LogLevel"};
}

class ControlAuth : public ::testing::Test {
protected:
    void SetUp() override {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root to run streamctl as another user";
        // Readable by everybody, so that only the daemon can stop another user's send.
        fs::permissions(sources_.path(), fs::perms(0755));
    }

    // Started on first use, so that a test can choose the options first.
    RelayedPair& daemons() {
        if (!daemons_) {
            daemons_ = std::make_unique<RelayedPair>(sender_options_);
            daemons_->relay.hold_after(MiB);
        }
        return *daemons_;
    }

    fs::path source(const std::string& name, std::uint64_t size) {
        write_random_file(sources_ / name, size, size);
        fs::permissions(sources_ / name, fs::perms(0644));
        return sources_ / name;
    }

    RunResult ctl(const std::vector<std::string>& args, const StreamctlOptions& options = {}) {
        return run_streamctl(daemons().sender.bus_address(), args, options);
    }

    // A transfer held running by the relay, sent by root.
    std::uint32_t running_transfer() {
        RunResult sent = ctl({"send", "--no-block", "--streams", "1",
                              source("held.bin", 16 * MiB).string(), daemons().relay.endpoint()});
        EXPECT_TRUE(succeeded(sent)) << daemons().logs();
        auto ids = queued_ids(sent);
        if (!ids || ids->size() != 1) {
            ADD_FAILURE() << "want one id\n" << sent.describe();
            return 0;
        }
        auto running = wait_for_state(daemons().sender_bus, ids->front(), "running");
        EXPECT_TRUE(running.row) << running.report << daemons().logs();
        return ids->front();
    }

    StreamdOptions sender_options_{.bus_allows_any_user = true};
    fixtures::TempDir sources_{"streamd-it-sources"};

private:
    std::unique_ptr<RelayedPair> daemons_;
};

TEST_F(ControlAuth, AnyoneMayRead) {
    const std::uint32_t id = running_transfer();
    ASSERT_FALSE(HasFailure());
    EXPECT_TRUE(succeeded(ctl({"list"}, as_nobody)));
    EXPECT_TRUE(succeeded(ctl({"list", "--json"}, as_nobody)));
    EXPECT_TRUE(succeeded(ctl({"stats"}, as_nobody)));
    EXPECT_TRUE(succeeded(ctl({"status", std::to_string(id)}, as_nobody)));
    EXPECT_TRUE(
        succeeded(busctl(daemons().sender.bus_address(), log_level_args("get-property"), true)));
}

TEST_F(ControlAuth, OthersMayNotSend) {
    const fs::path file = source("from-nobody.bin", 4 * KiB);
    expect_streamctl_failure(ctl({"send", file.string(), daemons().receiver.endpoint()}, as_nobody),
                             {"permission denied"}, daemons().logs());
    EXPECT_TRUE(daemons().sender_bus.list_transfers().empty())
        << describe(daemons().sender_bus.list_transfers());
    EXPECT_FALSE(fs::exists(daemons().receiver.incoming() / "from-nobody.bin"));

    // The same file from root goes through: the refusal was about the caller, not the file.
    EXPECT_TRUE(succeeded(ctl({"send", file.string(), daemons().receiver.endpoint()})))
        << daemons().logs();
    EXPECT_TRUE(fs::is_regular_file(daemons().receiver.incoming() / "from-nobody.bin"));
}

TEST_F(ControlAuth, OthersMayNotCancel) {
    const std::uint32_t id = running_transfer();
    ASSERT_FALSE(HasFailure());
    expect_streamctl_failure(ctl({"cancel", std::to_string(id)}, as_nobody), {"permission denied"},
                             daemons().logs());
    auto row = daemons().sender_bus.find_transfer(id);
    ASSERT_TRUE(row);
    EXPECT_EQ(row->state, "running") << "a refused cancel changed the transfer";

    EXPECT_TRUE(succeeded(ctl({"cancel", std::to_string(id)}))) << daemons().logs();
    auto end = wait_until_finished(daemons().sender_bus, id);
    ASSERT_TRUE(end.row) << end.report;
    EXPECT_EQ(end.row->state, "canceled") << end.row->describe();
}

TEST_F(ControlAuth, OthersMayNotFetch) {
    // Refused before anything is asked of the peer, whatever it holds.
    expect_streamctl_failure(
        ctl({"get", daemons().receiver.endpoint(), "anything.bin"}, as_nobody),
        {"permission denied: only root and members of group", "may fetch files"}, daemons().logs());
    EXPECT_TRUE(daemons().sender_bus.list_transfers().empty())
        << describe(daemons().sender_bus.list_transfers());
}

TEST_F(ControlAuth, OthersMayNotReload) {
    expect_streamctl_failure(ctl({"reload"}, as_nobody), {"permission denied"}, daemons().logs());
    EXPECT_TRUE(succeeded(ctl({"reload"}))) << daemons().logs();
}

TEST_F(ControlAuth, MembersOfTheControlGroupMayChangeThings) {
    const group* trusted = ::getgrnam(trusted_group);
    ASSERT_NE(trusted, nullptr) << "no group " << trusted_group << " on this system";
    sender_options_.control_group = trusted_group;
    const StreamctlOptions member{.as_nobody = true, .groups = {trusted->gr_gid}};
    const fs::path file = source("from-member.bin", 4 * KiB);
    EXPECT_TRUE(succeeded(ctl({"send", file.string(), daemons().receiver.endpoint()}, member)))
        << daemons().logs();
    EXPECT_TRUE(fs::is_regular_file(daemons().receiver.incoming() / "from-member.bin"));
    EXPECT_TRUE(succeeded(ctl({"reload"}, member))) << daemons().logs();
}

TEST_F(ControlAuth, LogLevelIsSetByRootOnly) {
    const std::string& bus = daemons().sender.bus_address();
    auto set_level = log_level_args("set-property");
    set_level.insert(set_level.end(), {"s", "debug"});
    ASSERT_TRUE(succeeded(busctl(bus, set_level))) << daemons().logs();
    RunResult got = busctl(bus, log_level_args("get-property"));
    ASSERT_TRUE(succeeded(got));
    EXPECT_EQ(got.out, "s \"debug\"\n");

    // An unknown level is refused with InvalidArgument and changes nothing.
    CallOutcome bad = outcome_of([&] {
        daemons().sender_bus.set_property(log_control_path, log_control_interface, "LogLevel",
                                          sdbus::Variant(std::string("loud")));
    });
    EXPECT_EQ(bad.error_name, std::string(error_prefix) + "InvalidArgument") << bad.describe();
    CallOutcome kmsg = outcome_of([&] {
        daemons().sender_bus.set_property(log_control_path, log_control_interface, "LogTarget",
                                          sdbus::Variant(std::string("kmsg")));
    });
    EXPECT_EQ(kmsg.error_name, std::string(error_prefix) + "InvalidArgument") << kmsg.describe();

    // nobody may read it but not set it.
    auto set_by_nobody = log_level_args("set-property");
    set_by_nobody.insert(set_by_nobody.end(), {"s", "err"});
    RunResult refused = busctl(bus, set_by_nobody, true);
    EXPECT_FALSE(refused.status.success()) << refused.describe();
    EXPECT_NE(refused.err.find("permission denied"), std::string::npos) << refused.describe();

    got = busctl(bus, log_level_args("get-property"));
    EXPECT_EQ(got.out, "s \"debug\"\n") << "a refused or invalid set changed the level";

    auto set_info = log_level_args("set-property");
    set_info.insert(set_info.end(), {"s", "info"});
    ASSERT_TRUE(succeeded(busctl(bus, set_info)));
    got = busctl(bus, log_level_args("get-property"));
    EXPECT_EQ(got.out, "s \"info\"\n");
}

} // namespace
} // namespace streamd::it

// `streamctl watch` with its output not on a terminal: a line (or a JSON object) per state
// change, for every transfer including those that start later, or for one ID until it ends: exit
// 0 once it is done, 1 if it failed or was canceled. And what streamctl says about itself.

#include "control_expectations.hpp"
#include "json_value.hpp"
#include "process.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "unused_port.hpp"
#include "wait_until.hpp"

#include <algorithm>
#include <csignal>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

using proto::JsonValue;

// What `watch --json` writes: one object a line. Any line that is not a JSON object with the keys
// of `list --json` fails.
::testing::AssertionResult parse_json_lines(const std::string& text,
                                            std::vector<JsonValue>& objects) {
    objects.clear();
    for (const std::string& line : lines_of(text)) {
        try {
            JsonValue value = proto::parse_json(line);
            if (!value.is_object() || !value.find("id") || !value.at("id").is_uint() ||
                !value.find("state") || !value.at("state").is_string())
                return ::testing::AssertionFailure() << "not a transfer object: " << line;
            objects.push_back(std::move(value));
        } catch (const proto::JsonError& e) {
            return ::testing::AssertionFailure() << "not a line of JSON: " << e.what() << "\n"
                                                 << line;
        }
    }
    return ::testing::AssertionSuccess();
}

// What `watch --json=pretty` writes: indented objects, each closed by a "}" of its own line.
::testing::AssertionResult parse_pretty_objects(const std::string& text,
                                                std::vector<JsonValue>& objects) {
    objects.clear();
    std::string object;
    for (const std::string& line : lines_of(text)) {
        object += line + "\n";
        if (line != "}") continue;
        try {
            JsonValue value = proto::parse_json(object);
            if (!value.is_object() || lines_of(object).size() < 3)
                return ::testing::AssertionFailure() << "not an indented object:\n" << object;
            objects.push_back(std::move(value));
        } catch (const proto::JsonError& e) {
            return ::testing::AssertionFailure() << "not JSON: " << e.what() << "\n" << object;
        }
        object.clear();
    }
    if (!object.empty()) return ::testing::AssertionFailure() << "unfinished:\n" << object;
    return ::testing::AssertionSuccess();
}

// The states shown for transfer `id`, in order.
std::vector<std::string> states_of(const std::vector<JsonValue>& objects, std::uint32_t id) {
    std::vector<std::string> states;
    for (const JsonValue& o : objects)
        if (o.at("id").as_uint() == id) states.push_back(o.at("state").as_string());
    return states;
}

// Shown only moving forward, and ending in done.
::testing::AssertionResult ends_done(const std::vector<std::string>& states) {
    for (std::size_t i = 1; i < states.size(); ++i)
        if (state_rank(states[i]) <= state_rank(states[i - 1]))
            return ::testing::AssertionFailure()
                   << "went from " << states[i - 1] << " to " << states[i] << " in "
                   << ::testing::PrintToString(states);
    if (states.empty() || states.back() != "done")
        return ::testing::AssertionFailure()
               << "does not end in done: " << ::testing::PrintToString(states);
    return ::testing::AssertionSuccess();
}

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

TEST_F(ControlWatch, WithoutAnIdFollowsTransfersThatStartLater) {
    Process watch = start_streamctl(daemons_.sender.bus_address(), {"watch", "--json"});
    const std::uint32_t id = send("followed.bin", daemons_.relay.endpoint());
    ASSERT_NE(id, 0u);

    // Held in the relay, the transfer stays running until watch has shown it so.
    std::vector<JsonValue> shown;
    ::testing::AssertionResult readable = ::testing::AssertionSuccess();
    auto seen = [&](const std::string& state) {
        readable = parse_json_lines(watch.stdout_text(), shown);
        const auto states = states_of(shown, id);
        return !readable || std::find(states.begin(), states.end(), state) != states.end() ||
               watch.try_wait();
    };
    ASSERT_TRUE(wait_until([&] { return seen("running"); }) && readable)
        << "watch never showed transfer " << id << " running\n"
        << readable.message() << "\n"
        << watch.stdout_text() << watch.stderr_text() << daemons_.logs();
    daemons_.relay.release();
    ASSERT_TRUE(wait_until([&] { return seen("done"); }) && readable)
        << "watch never showed transfer " << id << " done\n"
        << readable.message() << "\n"
        << watch.stdout_text() << watch.stderr_text() << daemons_.logs();

    // Without an ID it runs until interrupted, and that is a success.
    ExitStatus status = watch.stop(SIGINT, generous_deadline);
    EXPECT_TRUE(status.success()) << status.describe() << "\n" << watch.stderr_text();
    ASSERT_TRUE(parse_json_lines(watch.stdout_text(), shown));
    EXPECT_TRUE(ends_done(states_of(shown, id))) << watch.stdout_text();
    for (const JsonValue& o : shown)
        if (o.at("id").as_uint() == id) {
            EXPECT_EQ(o.at("name").as_string(), "followed.bin") << o.dump();
            EXPECT_EQ(o.at("direction").as_string(), "out") << o.dump();
        }
    EXPECT_TRUE(watch.stderr_text().empty()) << watch.stderr_text();
}

TEST_F(ControlWatch, PrettyJsonIsOneIndentedObjectPerChange) {
    const std::uint32_t id = send("pretty.bin", daemons_.relay.endpoint());
    ASSERT_NE(id, 0u);
    auto running = wait_for_state(daemons_.sender_bus, id, "running");
    ASSERT_TRUE(running.row) << running.report << daemons_.logs();

    Process watch = start_streamctl(daemons_.sender.bus_address(),
                                    {"watch", "--json=pretty", std::to_string(id)});
    daemons_.relay.release();
    RunResult watched = finish(watch);
    ASSERT_TRUE(succeeded(watched)) << daemons_.logs();
    std::vector<JsonValue> shown;
    ASSERT_TRUE(parse_pretty_objects(watched.out, shown)) << watched.describe();
    EXPECT_TRUE(ends_done(states_of(shown, id))) << watched.describe();
    // The same keys as `list --json`, so that one jq filter reads both.
    RunResult list = run_streamctl(daemons_.sender.bus_address(), {"list", "--json"});
    ASSERT_TRUE(succeeded(list));
    const JsonValue listed = proto::parse_json(list.out);
    ASSERT_TRUE(listed.is_array() && !listed.as_array().empty()) << list.describe();
    for (const JsonValue& o : shown)
        EXPECT_EQ(o.keys(), listed.as_array().front().keys()) << o.dump();
}

TEST_F(ControlWatch, UnknownTransfer) {
    expect_streamctl_failure(run_streamctl(daemons_.sender.bus_address(), {"watch", "4000000000"}),
                             {});
}

TEST(StreamctlItself, VersionIsTheDaemonsAndHelpGoesToStandardOutput) {
    StreamdInstance daemon;
    StreamdBus bus(daemon.bus_address());
    const std::string version = bus.stats().at("Version").get<std::string>();
    RunResult shown = run_streamctl(daemon.bus_address(), {"--version"});
    ASSERT_TRUE(succeeded(shown));
    EXPECT_EQ(shown.out, "streamctl " + version + "\n") << shown.describe();
    EXPECT_EQ(shown.err, "") << shown.describe();

    RunResult help = run_streamctl(daemon.bus_address(), {"list", "--help"});
    ASSERT_TRUE(succeeded(help));
    EXPECT_TRUE(help.out.starts_with("Usage: streamctl [--user] list")) << help.describe();
    EXPECT_NE(help.out.find("--json[=pretty]"), std::string::npos) << help.describe();
    EXPECT_EQ(help.err, "") << help.describe();
}

} // namespace
} // namespace streamd::it

// The life of a transfer on the bus: TransferNew first, then State changes that only move
// forward, then TransferRemoved with the result last, on both ends. keep_finished = 0 makes the
// removal follow the end at once.

#include "bus_watcher.hpp"
#include "control_expectations.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "unused_port.hpp"
#include "wait_until.hpp"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

bool removed(const std::vector<BusEvent>& events, const std::string& path) {
    return std::any_of(events.begin(), events.end(), [&](const BusEvent& event) {
        return event.kind == BusEvent::Kind::TransferRemoved && event.path == path;
    });
}

// One transfer's signals, in order: TransferNew(id, path); PropertiesChanged whose State values
// never go back and end in `result`; TransferRemoved(id, path, result) as the very last.
void expect_life(const std::vector<BusEvent>& all, std::uint32_t id, const std::string& result,
                 const std::string& context) {
    const std::string path = transfer_path(id);
    const auto events = events_for(all, path);
    ASSERT_GE(events.size(), 3u) << "too few signals for " << path << "\n" << context;

    EXPECT_EQ(events.front().kind, BusEvent::Kind::TransferNew)
        << "TransferNew must come before any change of " << path << "\n"
        << context;
    EXPECT_EQ(events.front().id, id) << context;

    const BusEvent& last = events.back();
    EXPECT_EQ(last.kind, BusEvent::Kind::TransferRemoved)
        << "TransferRemoved must be the last signal about " << path << "\n"
        << context;
    EXPECT_EQ(last.id, id) << context;
    EXPECT_EQ(last.result, result) << context;

    std::vector<std::string> states;
    for (std::size_t i = 1; i + 1 < events.size(); ++i) {
        EXPECT_EQ(events[i].kind, BusEvent::Kind::PropertiesChanged)
            << "signal " << i << " about " << path << "\n"
            << context;
        if (events[i].state) states.push_back(*events[i].state);
    }
    ASSERT_FALSE(states.empty()) << "no State change announced for " << path << "\n" << context;
    for (std::size_t i = 1; i < states.size(); ++i)
        EXPECT_LE(state_rank(states[i - 1]), state_rank(states[i]))
            << "State went back from " << states[i - 1] << " to " << states[i] << "\n"
            << context;
    for (const auto& state : states)
        EXPECT_GE(state_rank(state), 0) << "unknown state " << state << "\n" << context;
    EXPECT_EQ(states.back(), result) << context;
}

std::uint32_t only_new_transfer(const std::vector<BusEvent>& events) {
    for (const auto& event : events)
        if (event.kind == BusEvent::Kind::TransferNew) return event.id;
    return 0;
}

class ControlSignals : public ::testing::Test {
protected:
    // Queues `file` for `destination` without waiting; returns the id.
    std::uint32_t send(const fs::path& file, const std::string& destination) {
        RunResult sent = run_streamctl(sender_.bus_address(),
                                       {"send", "--no-block", file.string(), destination});
        EXPECT_TRUE(succeeded(sent)) << logs();
        auto ids = queued_ids(sent);
        EXPECT_TRUE(ids && ids->size() == 1) << "want one id\n" << sent.describe();
        return ids && ids->size() == 1 ? ids->front() : 0;
    }

    std::string logs() {
        return "on the sender, " + sender_watch_.describe() + "on the receiver, " +
               receiver_watch_.describe() + "sender:\n" + sender_.log() + "receiver:\n" +
               receiver_.log();
    }

    StreamdInstance receiver_{StreamdOptions{.keep_finished = "0"}};
    StreamdInstance sender_{StreamdOptions{.keep_finished = "0"}};
    BusWatcher receiver_watch_{receiver_.bus_address()};
    BusWatcher sender_watch_{sender_.bus_address()};
    fixtures::TempDir sources_{"streamd-it-sources"};
};

TEST_F(ControlSignals, DoneTransferFromNewToRemovedOnBothEnds) {
    write_random_file(sources_ / "signals.bin", 8 * MiB + 3, 0x516);
    const std::uint32_t id = send(sources_ / "signals.bin", receiver_.endpoint());
    ASSERT_NE(id, 0u);
    const std::string path = transfer_path(id);
    ASSERT_TRUE(sender_watch_.wait_for(
        [&](const std::vector<BusEvent>& events) { return removed(events, path); },
        generous_deadline))
        << "no TransferRemoved for " << path << "\n"
        << logs();
    std::uint32_t incoming_id = 0;
    ASSERT_TRUE(receiver_watch_.wait_for(
        [&](const std::vector<BusEvent>& events) {
            incoming_id = only_new_transfer(events);
            return incoming_id != 0 && removed(events, transfer_path(incoming_id));
        },
        generous_deadline))
        << "the receiver announced no end of its transfer\n"
        << logs();

    // A second transfer keeps both daemons busy for a while after the first one went: nothing
    // about the first may show up meanwhile.
    write_random_file(sources_ / "after.bin", 4 * MiB, 0xaf7);
    const std::uint32_t later = send(sources_ / "after.bin", receiver_.endpoint());
    ASSERT_NE(later, 0u);
    ASSERT_TRUE(sender_watch_.wait_for(
        [&](const std::vector<BusEvent>& events) { return removed(events, transfer_path(later)); },
        generous_deadline))
        << logs();
    sender_watch_.barrier();
    receiver_watch_.barrier();

    expect_life(sender_watch_.events(), id, "done", logs());
    expect_life(sender_watch_.events(), later, "done", logs());
    expect_life(receiver_watch_.events(), incoming_id, "done", logs());

    // Gone from the list as well: keep_finished is 0.
    StreamdBus sender_bus(sender_.bus_address());
    EXPECT_FALSE(sender_bus.find_transfer(id)) << describe(sender_bus.list_transfers());
    EXPECT_TRUE(fs::is_regular_file(receiver_.incoming() / "signals.bin"));
}

TEST_F(ControlSignals, FailedTransferIsRemovedAsFailed) {
    write_random_file(sources_ / "nowhere.bin", 64 * KiB, 0xfa1);
    const std::uint32_t id =
        send(sources_ / "nowhere.bin", "127.0.0.1:" + std::to_string(unused_port()));
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(sender_watch_.wait_for(
        [&](const std::vector<BusEvent>& events) { return removed(events, transfer_path(id)); },
        generous_deadline))
        << logs();
    sender_watch_.barrier();
    expect_life(sender_watch_.events(), id, "failed", logs());
    EXPECT_TRUE(receiver_watch_.events().empty()) << logs();
}

} // namespace
} // namespace streamd::it

// The watcher on its own, fed by busctl on a private bus: the signal tests rely on it recording
// exactly what streamd sends, in order.

#include "bus_watcher.hpp"
#include "dbus_bus.hpp"
#include "process.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

using namespace std::chrono_literals;

constexpr auto deadline = 30s;

class BusWatcherTest : public ::testing::Test {
protected:
    // Emits one signal with busctl and waits until the watcher has recorded `expected_count`.
    void emit(const std::vector<std::string>& args, std::size_t expected_count) {
        SpawnOptions spawn{.argv = {"busctl", "--user", "emit"},
                           .env = {{"DBUS_SESSION_BUS_ADDRESS", bus_.address()}}};
        spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
        RunResult result = run(spawn, 30s);
        ASSERT_TRUE(result.status.success()) << result.describe();
        ASSERT_TRUE(watcher_.wait_for(
            [&](const std::vector<BusEvent>& events) { return events.size() >= expected_count; },
            deadline))
            << "after " << result.command << "\n"
            << watcher_.describe();
    }

    DbusBus bus_;
    BusWatcher watcher_{bus_.address()};
};

TEST_F(BusWatcherTest, RecordsManagerSignalsAndTransferStates) {
    const std::string path = "/org/streamd/Streamd1/transfer/7";
    ASSERT_NO_FATAL_FAILURE(emit(
        {"/org/streamd/Streamd1", "org.streamd.Streamd1.Manager", "TransferNew", "uo", "7", path},
        1));
    // Another interface's changes on the same object are not the transfer's.
    ASSERT_NO_FATAL_FAILURE(emit({path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                  "sa{sv}as", "org.example.Other", "1", "State", "s", "bogus", "0"},
                                 0));
    ASSERT_NO_FATAL_FAILURE(emit({path, "org.freedesktop.DBus.Properties", "PropertiesChanged",
                                  "sa{sv}as", "org.streamd.Streamd1.Transfer", "2", "BytesDone",
                                  "t", "4096", "State", "s", "running", "1", "Eta"},
                                 2));
    ASSERT_NO_FATAL_FAILURE(
        emit({path, "org.freedesktop.DBus.Properties", "PropertiesChanged", "sa{sv}as",
              "org.streamd.Streamd1.Transfer", "1", "Rate", "t", "5", "0"},
             3));
    ASSERT_NO_FATAL_FAILURE(emit({"/org/streamd/Streamd1", "org.streamd.Streamd1.Manager",
                                  "TransferRemoved", "uos", "7", path, "done"},
                                 4));

    const auto events = watcher_.events();
    ASSERT_EQ(events.size(), 4u) << watcher_.describe();
    EXPECT_EQ(events[0].kind, BusEvent::Kind::TransferNew);
    EXPECT_EQ(events[0].id, 7u);
    EXPECT_EQ(events[0].path, path);
    EXPECT_EQ(events[1].kind, BusEvent::Kind::PropertiesChanged);
    EXPECT_EQ(events[1].path, path);
    EXPECT_EQ(events[1].state, "running");
    EXPECT_EQ(events[1].changed, (std::vector<std::string>{"BytesDone", "State", "Eta"}));
    EXPECT_EQ(events[2].state, std::nullopt);
    EXPECT_EQ(events[3].kind, BusEvent::Kind::TransferRemoved);
    EXPECT_EQ(events[3].result, "done");
    EXPECT_EQ(events_for(events, path).size(), 4u);
    EXPECT_TRUE(events_for(events, path + "0").empty());
}

TEST_F(BusWatcherTest, IgnoresSignalsOutsideStreamd) {
    ASSERT_NO_FATAL_FAILURE(emit({"/org/example", "org.example.Thing", "Happened", "u", "1"}, 0));
    ASSERT_NO_FATAL_FAILURE(emit({"/org/streamd/Streamd1", "org.streamd.Streamd1.Manager",
                                  "TransferNew", "uo", "1", "/org/streamd/Streamd1/transfer/1"},
                                 1));
    const auto events = watcher_.events();
    ASSERT_EQ(events.size(), 1u) << watcher_.describe();
    EXPECT_EQ(events[0].kind, BusEvent::Kind::TransferNew);
}

TEST_F(BusWatcherTest, MalformedSignalIsRecordedAsSuch) {
    ASSERT_NO_FATAL_FAILURE(emit(
        {"/org/streamd/Streamd1", "org.streamd.Streamd1.Manager", "TransferNew", "s", "seven"}, 1));
    const auto events = watcher_.events();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, BusEvent::Kind::Unreadable) << events[0].describe();
}

} // namespace
} // namespace streamd::it

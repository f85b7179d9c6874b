// Canceling a transfer: a queued one leaves the queue without ever reaching the peer, a running
// one stops on both ends and leaves no partial file, and a finished or unknown one is refused
// with a clear reason.

#include "control_expectations.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "wait_until.hpp"

#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

constexpr std::uint64_t file_size = 16 * MiB;
constexpr std::uint64_t hold_budget = MiB;
// Larger than any id a fresh daemon hands out in these tests.
constexpr std::uint32_t unknown_id = 4'000'000'000u;

class ControlCancel : public ::testing::Test {
protected:
    ControlCancel() { daemons_.relay.hold_after(hold_budget); }

    // Queues `name` through the relay; returns its id on the sender.
    std::uint32_t send_held(const std::string& name) {
        write_random_file(sources_ / name, file_size, std::hash<std::string>{}(name));
        RunResult sent =
            run_streamctl(daemons_.sender.bus_address(),
                          {"send", "--no-block", "--streams", "1", "--chunk-size", "256K",
                           (sources_ / name).string(), daemons_.relay.endpoint()});
        EXPECT_TRUE(succeeded(sent)) << daemons_.logs();
        auto ids = queued_ids(sent);
        EXPECT_TRUE(ids && ids->size() == 1) << "want one id\n" << sent.describe();
        return ids && ids->size() == 1 ? ids->front() : 0;
    }

    // Waits until transfer `id` runs on the sender and its incoming twin has written to a
    // partial file on the receiver; returns the receiver's id for it.
    std::uint32_t wait_running_both_ends(std::uint32_t id, const std::string& name) {
        auto running = wait_for_state(daemons_.sender_bus, id, "running");
        EXPECT_TRUE(running.row) << running.report << daemons_.logs();
        std::uint32_t incoming_id = 0;
        EXPECT_TRUE(wait_until([&] {
            for (const auto& row : daemons_.receiver_bus.list_transfers())
                if (row.name == name && row.direction == "in" && row.state == "running")
                    incoming_id = row.id;
            return incoming_id != 0 && !entries_in(daemons_.receiver.incoming()).empty();
        })) << "the receiver never ran \""
            << name << "\" with a partial file; "
            << describe(daemons_.receiver_bus.list_transfers()) << daemons_.logs();
        return incoming_id;
    }

    void expect_incoming_folder_empty() {
        std::vector<std::string> entries;
        EXPECT_TRUE(wait_until([&] {
            entries = entries_in(daemons_.receiver.incoming());
            return entries.empty();
        })) << "left in the incoming folder: "
            << ::testing::PrintToString(entries) << "\n"
            << daemons_.logs();
    }

    RelayedPair daemons_{StreamdOptions{.max_active = 1}};
    fixtures::TempDir sources_{"streamd-it-sources"};
};

TEST_F(ControlCancel, QueuedTransfersNeverReachThePeer) {
    const std::uint32_t first = send_held("first.bin");
    const std::uint32_t second = send_held("second.bin");
    const std::uint32_t third = send_held("third.bin");
    ASSERT_FALSE(HasFailure());
    wait_running_both_ends(first, "first.bin");
    ASSERT_FALSE(HasFailure());
    auto rows = rows_for(daemons_.sender_bus.list_transfers(), {second, third});
    ASSERT_EQ(rows.size(), 2u) << describe(rows);
    ASSERT_EQ(rows[0].state, "queued") << describe(rows);
    ASSERT_EQ(rows[1].state, "queued") << describe(rows);

    RunResult cancel = run_streamctl(daemons_.sender.bus_address(),
                                     {"cancel", std::to_string(second), std::to_string(third)});
    ASSERT_TRUE(succeeded(cancel)) << daemons_.logs();
    for (std::uint32_t id : {second, third}) {
        auto row = daemons_.sender_bus.find_transfer(id);
        ASSERT_TRUE(row) << "transfer " << id << " vanished at once";
        EXPECT_EQ(row->state, "canceled") << row->describe();
        EXPECT_TRUE(row->error.starts_with("canceled by")) << row->describe();
        EXPECT_EQ(row->bytes_done, 0u) << row->describe();
    }

    // Let the first one finish; had a canceled one been started it would be on the receiver's
    // list now, which keeps finished transfers for an hour.
    daemons_.relay.release();
    auto end = wait_until_finished(daemons_.sender_bus, first);
    ASSERT_TRUE(end.row) << end.report << daemons_.logs();
    EXPECT_EQ(end.row->state, "done") << end.row->describe();
    auto incoming = daemons_.receiver_bus.list_transfers();
    ASSERT_EQ(incoming.size(), 1u) << describe(incoming);
    EXPECT_EQ(incoming[0].name, "first.bin");
    EXPECT_EQ(entries_in(daemons_.receiver.incoming()), std::vector<std::string>{"first.bin"});
}

TEST_F(ControlCancel, RunningTransferStopsOnBothEnds) {
    const std::uint32_t id = send_held("running.bin");
    ASSERT_FALSE(HasFailure());
    const std::uint32_t incoming_id = wait_running_both_ends(id, "running.bin");
    ASSERT_FALSE(HasFailure());

    RunResult cancel = run_streamctl(daemons_.sender.bus_address(), {"cancel", std::to_string(id)});
    ASSERT_TRUE(succeeded(cancel)) << daemons_.logs();

    auto sender_end = wait_until_finished(daemons_.sender_bus, id);
    ASSERT_TRUE(sender_end.row) << sender_end.report << daemons_.logs();
    EXPECT_EQ(sender_end.row->state, "canceled") << sender_end.row->describe();
    EXPECT_TRUE(sender_end.row->error.starts_with("canceled by")) << sender_end.row->describe();

    // The sender's end of the stream may close behind data still in its socket buffer; once the
    // path moves again the receiver must learn that the transfer is over.
    daemons_.relay.release();
    auto receiver_end = wait_until_finished(daemons_.receiver_bus, incoming_id);
    ASSERT_TRUE(receiver_end.row) << receiver_end.report << daemons_.logs();
    // Failed when the reset of its streams arrives first, canceled when the sender's CANCEL
    // does; either way it is over and its partial file is gone.
    EXPECT_TRUE(receiver_end.row->state == "failed" || receiver_end.row->state == "canceled")
        << receiver_end.row->describe();
    EXPECT_FALSE(receiver_end.row->error.empty()) << receiver_end.row->describe();
    expect_incoming_folder_empty();
}

TEST_F(ControlCancel, IncomingTransferCanceledOnTheReceiver) {
    const std::uint32_t id = send_held("incoming.bin");
    ASSERT_FALSE(HasFailure());
    const std::uint32_t incoming_id = wait_running_both_ends(id, "incoming.bin");
    ASSERT_FALSE(HasFailure());

    RunResult cancel =
        run_streamctl(daemons_.receiver.bus_address(), {"cancel", std::to_string(incoming_id)});
    ASSERT_TRUE(succeeded(cancel)) << daemons_.logs();

    auto receiver_end = wait_until_finished(daemons_.receiver_bus, incoming_id);
    ASSERT_TRUE(receiver_end.row) << receiver_end.report << daemons_.logs();
    EXPECT_EQ(receiver_end.row->state, "canceled") << receiver_end.row->describe();
    EXPECT_TRUE(receiver_end.row->error.starts_with("canceled by")) << receiver_end.row->describe();
    expect_incoming_folder_empty();

    // The relay still holds the sender's data: only the receiver's word can end it there.
    auto sender_end = wait_until_finished(daemons_.sender_bus, id);
    ASSERT_TRUE(sender_end.row) << sender_end.report << daemons_.logs();
    EXPECT_EQ(sender_end.row->state, "failed") << sender_end.row->describe();
    // The receiver's reason, not a lost connection that the sender would try again.
    EXPECT_NE(sender_end.row->error.find("at the receiver"), std::string::npos)
        << sender_end.row->describe() << daemons_.logs();
}

TEST_F(ControlCancel, CancelMethodOnTheTransferObject) {
    const std::uint32_t id = send_held("by-object.bin");
    ASSERT_FALSE(HasFailure());
    wait_running_both_ends(id, "by-object.bin");
    ASSERT_FALSE(HasFailure());

    CallOutcome call = outcome_of([&] { daemons_.sender_bus.cancel_on_object(id); });
    ASSERT_EQ(call.error_name, "") << call.describe();
    auto end = wait_until_finished(daemons_.sender_bus, id);
    ASSERT_TRUE(end.row) << end.report << daemons_.logs();
    EXPECT_EQ(end.row->state, "canceled") << end.row->describe();
    EXPECT_TRUE(end.row->error.starts_with("canceled by")) << end.row->describe();
    daemons_.relay.release();
    expect_incoming_folder_empty();
}

TEST_F(ControlCancel, FinishedTransferIsRefused) {
    write_random_file(sources_ / "finished.bin", 64 * KiB, 0xf1);
    RunResult sent = run_streamctl(
        daemons_.sender.bus_address(),
        {"send", "--no-block", (sources_ / "finished.bin").string(), daemons_.receiver.endpoint()});
    ASSERT_TRUE(succeeded(sent)) << daemons_.logs();
    auto ids = queued_ids(sent);
    ASSERT_TRUE(ids && ids->size() == 1) << sent.describe();
    const std::uint32_t id = ids->front();
    auto end = wait_until_finished(daemons_.sender_bus, id);
    ASSERT_TRUE(end.row) << end.report << daemons_.logs();
    ASSERT_EQ(end.row->state, "done") << end.row->describe() << "\n" << daemons_.logs();

    expect_streamctl_failure(
        run_streamctl(daemons_.sender.bus_address(), {"cancel", std::to_string(id)}), {});
    CallOutcome by_manager = outcome_of([&] { daemons_.sender_bus.cancel_transfer(id); });
    EXPECT_EQ(by_manager.error_name, std::string(error_prefix) + "AlreadyFinished")
        << by_manager.describe();
    CallOutcome by_object = outcome_of([&] { daemons_.sender_bus.cancel_on_object(id); });
    EXPECT_EQ(by_object.error_name, std::string(error_prefix) + "AlreadyFinished")
        << by_object.describe();

    auto after = daemons_.sender_bus.find_transfer(id);
    ASSERT_TRUE(after);
    EXPECT_EQ(after->state, "done") << "a refused cancel changed the transfer";
}

TEST_F(ControlCancel, UnknownTransferIsRefused) {
    expect_streamctl_failure(
        run_streamctl(daemons_.sender.bus_address(), {"cancel", std::to_string(unknown_id)}), {});
    CallOutcome call = outcome_of([&] { daemons_.sender_bus.cancel_transfer(unknown_id); });
    EXPECT_EQ(call.error_name, std::string(error_prefix) + "NoSuchTransfer") << call.describe();
}

} // namespace
} // namespace streamd::it

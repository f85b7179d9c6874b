// At most [transfer] max_active outgoing transfers run; the rest wait in the order they were sent
// and take a slot as soon as one frees.

#include "control_expectations.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "wait_until.hpp"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

// Far more than a connection's budget through the relay plus every socket buffer on the way,
// so that no transfer can finish while the relay holds.
constexpr std::uint64_t file_size = 16 * MiB;
// Enough for the offer, its answer and a few chunks.
constexpr std::uint64_t hold_budget = MiB;

std::size_t count_in_state(const std::vector<TransferRow>& rows, bool (*in)(std::string_view)) {
    return static_cast<std::size_t>(
        std::count_if(rows.begin(), rows.end(), [&](const auto& row) { return in(row.state); }));
}

bool is_queued(std::string_view state) {
    return state == "queued";
}

TEST(ControlQueue, OneMoreThanMaxActiveWaitsForAFreeSlot) {
    RelayedPair daemons(StreamdOptions{.max_active = 4});
    daemons.relay.hold_after(hold_budget);
    fixtures::TempDir sources("streamd-it-sources");
    std::vector<std::string> names;
    std::vector<std::string> sums;
    std::vector<std::string> args = {"send", "--no-block",   "--streams",
                                     "2",    "--chunk-size", "256K"};
    for (int i = 0; i < 5; ++i) {
        names.push_back("queue-" + std::to_string(i) + ".bin");
        write_random_file(sources / names.back(), file_size, 0x9000 + static_cast<unsigned>(i));
        sums.push_back(sha256_of(sources / names.back()));
        args.push_back((sources / names.back()).string());
    }
    args.push_back(daemons.relay.endpoint());

    RunResult sent = run_streamctl(daemons.sender.bus_address(), args);
    ASSERT_TRUE(succeeded(sent)) << daemons.logs();
    auto ids = queued_ids(sent);
    ASSERT_TRUE(ids && ids->size() == 5) << "want five ids, one a line\n" << sent.describe();

    // Four take the slots and stay running behind the relay; the fifth waits.
    std::vector<TransferRow> rows;
    bool settled = wait_until([&] {
        rows = rows_for(daemons.sender_bus.list_transfers(), *ids);
        return rows.size() == 5 &&
               std::count_if(rows.begin(), rows.end(),
                             [](const auto& row) { return row.state == "running"; }) == 4 &&
               count_in_state(rows, is_queued) == 1;
    });
    ASSERT_TRUE(settled) << "want four running and one queued; " << describe(rows)
                         << daemons.logs();
    // The fifth sent is the one that waits: the queue is first in, first out.
    EXPECT_EQ(rows[4].state, "queued") << describe(rows);
    EXPECT_EQ(rows[4].name, names[4]);
    EXPECT_EQ(rows[4].bytes_done, 0u);

    auto stats = daemons.sender_bus.stats();
    EXPECT_EQ(stats.at("ActiveOut").get<std::uint32_t>(), 4u);
    EXPECT_EQ(stats.at("Queued").get<std::uint32_t>(), 1u);
    EXPECT_EQ(stats.at("MaxActive").get<std::uint32_t>(), 4u);

    // The waiting one has not contacted the peer: the receiver knows four offers.
    std::vector<TransferRow> incoming;
    ASSERT_TRUE(wait_until([&] {
        incoming = daemons.receiver_bus.list_transfers();
        return incoming.size() == 4;
    })) << "the receiver should see exactly four offers; "
        << describe(incoming) << daemons.logs();
    for (const auto& row : incoming) {
        EXPECT_EQ(row.direction, "in") << row.describe();
        EXPECT_NE(row.name, names[4]) << "the queued transfer reached the receiver";
    }

    // A freed slot goes to the waiting transfer at once, while the others still hold theirs.
    RunResult cancel =
        run_streamctl(daemons.sender.bus_address(), {"cancel", std::to_string((*ids)[1])});
    ASSERT_TRUE(succeeded(cancel)) << daemons.logs();
    auto started = wait_for_transfer(daemons.sender_bus, (*ids)[4],
                                     [](const TransferRow& row) { return row.state != "queued"; });
    ASSERT_TRUE(started.row) << started.report << daemons.logs();
    EXPECT_TRUE(is_active_state(started.row->state)) << started.row->describe();
    rows = rows_for(daemons.sender_bus.list_transfers(), *ids);
    EXPECT_EQ(rows[1].state, "canceled") << describe(rows);
    EXPECT_EQ(count_in_state(rows, is_active_state), 4u) << describe(rows);

    daemons.relay.release();
    for (std::size_t i : {0u, 2u, 3u, 4u}) {
        auto end = wait_until_finished(daemons.sender_bus, (*ids)[i]);
        ASSERT_TRUE(end.row) << end.report << daemons.logs();
        EXPECT_EQ(end.row->state, "done") << end.row->describe() << "\n" << daemons.logs();
    }
    for (std::size_t i : {0u, 2u, 3u, 4u}) {
        const fs::path received = daemons.receiver.incoming() / names[i];
        ASSERT_TRUE(fs::is_regular_file(received)) << received << " did not arrive";
        EXPECT_EQ(sha256_of(received), sums[i]) << received << " differs from what was sent";
    }
    // The canceled one left nothing behind, not even a hidden partial file.
    const std::vector<std::string> want = {names[0], names[2], names[3], names[4]};
    std::vector<std::string> entries;
    EXPECT_TRUE(wait_until([&] {
        entries = entries_in(daemons.receiver.incoming());
        return entries == want;
    })) << "incoming folder holds "
        << ::testing::PrintToString(entries) << ", want " << ::testing::PrintToString(want);
}

} // namespace
} // namespace streamd::it

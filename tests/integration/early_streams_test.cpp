// A transfer's other streams connect while its first one waits for the receiver's ACCEPT,
// and JOIN once it has come. The relay holds every reply after the WELCOME, so that the
// first stream's ACCEPT waits for as long as a test wants.

#include "control_expectations.hpp"
#include "native_frames.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>
#include <string>

namespace streamd::it {
namespace {

constexpr unsigned streams = 4;
// WELCOME's header and body, the first reply on every connection.
constexpr std::uint64_t welcome = proto::kHeaderSize + 36;

class EarlyStreams : public ::testing::Test {
protected:
    EarlyStreams() : pair_(StreamdOptions{.reconnect_attempts = 0}, StreamdOptions{}) {
        pair_.relay.hold_replies_after(welcome);
    }

    // Queues `name` (4 MiB of random bytes) through the relay; its id on the sender.
    std::uint32_t send(const std::string& name) {
        write_random_file(sources_.path() / name, 4 * MiB, 7);
        RunResult sent = run_streamctl(pair_.sender.bus_address(),
                                       {"send", "--no-block", "--streams", std::to_string(streams),
                                        "--chunk-size", "256K", (sources_.path() / name).string(),
                                        pair_.relay.endpoint()});
        EXPECT_TRUE(succeeded(sent)) << pair_.logs();
        auto ids = queued_ids(sent);
        return ids && ids->size() == 1 ? ids->front() : 0;
    }

    // Waits until the relay has taken `count` connections.
    bool connections(std::size_t count) {
        return pair_.relay.wait_until(
            [&](const TcpRelay::Counts& c) { return c.accepted >= count; }, generous_deadline);
    }

    fixtures::TempDir sources_{"streamd-it-early"};
    RelayedPair pair_;
};

TEST_F(EarlyStreams, EveryStreamConnectsBeforeTheFirstIsAccepted) {
    const std::uint32_t id = send("early.bin");
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(connections(streams)) << pair_.logs();
    pair_.relay.release_replies();
    auto end = wait_until_finished(pair_.sender_bus, id);
    ASSERT_TRUE(end.row) << end.report << pair_.logs();
    EXPECT_EQ(end.row->state, "done") << end.row->describe() << pair_.logs();
    EXPECT_EQ(sha256_of(pair_.receiver.incoming() / "early.bin"),
              sha256_of(sources_.path() / "early.bin"));
    EXPECT_EQ(pair_.relay.counts().accepted, streams) << pair_.logs();
}

TEST_F(EarlyStreams, AStreamLostBeforeTheAcceptStartsAgainAfterIt) {
    const std::uint32_t id = send("again.bin");
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(connections(streams)) << pair_.logs();
    // Not the first: the relay numbers connections as they come, and the first stream
    // connects before the others start.
    pair_.relay.reset_connection(streams - 1);
    pair_.relay.release_replies();
    auto end = wait_until_finished(pair_.sender_bus, id);
    ASSERT_TRUE(end.row) << end.report << pair_.logs();
    EXPECT_EQ(end.row->state, "done") << end.row->describe() << pair_.logs();
    EXPECT_EQ(sha256_of(pair_.receiver.incoming() / "again.bin"),
              sha256_of(sources_.path() / "again.bin"));
    EXPECT_EQ(pair_.relay.counts().accepted, streams + 1) << pair_.logs();
}

TEST_F(EarlyStreams, TheFirstStreamLostBeforeItsAcceptFailsTheTransferAndClosesTheOthers) {
    const std::uint32_t id = send("lost.bin");
    ASSERT_NE(id, 0u);
    ASSERT_TRUE(connections(streams)) << pair_.logs();
    pair_.relay.reset_connection(0);
    auto end = wait_until_finished(pair_.sender_bus, id);
    ASSERT_TRUE(end.row) << end.report << pair_.logs();
    EXPECT_EQ(end.row->state, "failed") << end.row->describe();
    EXPECT_NE(end.row->error.find("connection to"), std::string::npos) << end.row->describe();
    EXPECT_TRUE(pair_.relay.wait_until([](const TcpRelay::Counts& c) { return c.open == 0; },
                                       generous_deadline))
        << pair_.logs();
    EXPECT_EQ(pair_.relay.counts().accepted, streams) << pair_.logs();
}

} // namespace
} // namespace streamd::it

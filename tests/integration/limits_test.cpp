// What peers may hold of a daemon: connections in all and per address, incoming transfers at once,
// time to say what it wants, time without progress, and the free space a file must leave.

#include "control_expectations.hpp"
#include "raw_peer.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

TEST(Limits, SilentConnectionIsToldAndClosedAfterTheHandshakeTimeout) {
    StreamdInstance daemon(StreamdOptions{.limits = "handshake_timeout = 1\n"});
    RawPeer silent(daemon.port());
    RawPeer preamble_only(daemon.port());
    preamble_only.send_preamble();

    for (RawPeer* peer : {&silent, &preamble_only}) {
        auto said = peer->read_until_closed();
        ASSERT_TRUE(said.has_value()) << "still open\n" << daemon.log();
        EXPECT_NE(said->find("no OFFER or JOIN within 1 s"), std::string::npos) << *said;
    }
    // The daemon goes on serving.
    EXPECT_TRUE(welcomed(daemon.port())) << daemon.log();
}

TEST(Limits, ConnectionsBeyondThePerAddressLimitAreClosedUnanswered) {
    StreamdInstance daemon(
        StreamdOptions{.limits = "handshake_timeout = 0\nmax_connections_per_address = 2\n"});
    // Welcomed, so counted: each worker accepts on its own, in no order between them.
    RawPeer first(daemon.port());
    ASSERT_TRUE(first.handshake()) << daemon.log();
    RawPeer second(daemon.port());
    ASSERT_TRUE(second.handshake()) << daemon.log();
    RawPeer third(daemon.port());
    third.send_preamble();
    auto said = third.read_until_closed();
    ASSERT_TRUE(said.has_value()) << "the third connection stays open\n" << daemon.log();
    EXPECT_EQ(*said, "") << "a refused connection is closed without an answer";

    // A slot freed is a slot to have again, once the daemon has seen the close.
    first.close();
    EXPECT_TRUE(wait_until([&] { return welcomed(daemon.port()); })) << daemon.log();
}

TEST(Limits, AFullDaemonShedsConnectionsStillInTheirHandshakeForATransfer) {
    RelayedPair pair(StreamdOptions{},
                     StreamdOptions{.limits = "handshake_timeout = 0\nmax_connections = 4\n"});
    // Four connections that never say what they want fill the receiver; the second has
    // begun an HTTP request head.
    std::vector<std::unique_ptr<RawPeer>> idle;
    for (int i = 0; i < 4; ++i)
        idle.push_back(std::make_unique<RawPeer>(pair.receiver.port()));
    const std::string head_begun = "GET / HTTP/1.1\r\nHost: x";
    idle[1]->send({reinterpret_cast<const std::uint8_t*>(head_begun.data()), head_begun.size()});
    fixtures::TempDir dir;
    const auto file = dir.path() / "through-a-full-daemon.bin";
    write_random_file(file, 3 * 1024 * 1024, 91);
    auto r =
        run_streamctl(pair.sender.bus_address(), {"send", "--streams", "2", "--chunk-size", "1M",
                                                  file.string(), pair.receiver.endpoint()});
    ASSERT_TRUE(succeeded(r)) << pair.logs();
    EXPECT_EQ(sha256_of(pair.receiver.incoming() / file.filename()), sha256_of(file));
    // The oldest idle ones made room, one for each stream.
    for (int i = 0; i < 2; ++i) {
        auto said = idle[i]->read_until_closed();
        ASSERT_TRUE(said.has_value()) << "idle connection " << i << " kept\n" << pair.logs();
        EXPECT_EQ(*said, "") << "closed in its first bytes, without an answer";
    }
}

TEST(Limits, OffersBeyondMaxIncomingAreRefusedAsBusy) {
    RelayedPair pair(StreamdOptions{}, StreamdOptions{.limits = "max_incoming = 1\n"});
    pair.relay.hold_after(1 << 20);
    fixtures::TempDir files("streamd-it-limits");
    write_random_file(files / "held.bin", 16 << 20, 1);
    write_random_file(files / "second.bin", 1 << 20, 2);

    auto held =
        run_streamctl(pair.sender.bus_address(),
                      {"send", "--no-block", (files / "held.bin").string(), pair.relay.endpoint()});
    ASSERT_TRUE(succeeded(held)) << held.describe();
    ASSERT_TRUE(wait_until([&] {
        auto rows = pair.receiver_bus.list_transfers();
        return rows.size() == 1 && rows[0].state == "running";
    })) << pair.logs();

    StreamdInstance other_sender;
    auto refused =
        run_streamctl(other_sender.bus_address(),
                      {"send", (files / "second.bin").string(), pair.receiver.endpoint()});
    expect_streamctl_failure(refused, {"rejected by peer", "1 transfers at once"},
                             pair.logs() + other_sender.log());
    pair.relay.release();
}

TEST(Limits, ReceiverGivesUpATransferWithoutProgress) {
    // A sender that does not try again, so that its failure shows.
    RelayedPair pair(StreamdOptions{.reconnect_attempts = 0},
                     StreamdOptions{.limits = "idle_timeout = 1\n"});
    pair.relay.hold_after(1 << 20);
    fixtures::TempDir files("streamd-it-limits");
    write_random_file(files / "stalled.bin", 16 << 20, 3);

    auto sent = run_streamctl(pair.sender.bus_address(),
                              {"send", (files / "stalled.bin").string(), pair.relay.endpoint()});
    expect_streamctl_failure(sent, {"failed"}, pair.logs());
    ASSERT_TRUE(wait_until([&] {
        auto rows = pair.receiver_bus.list_transfers();
        return rows.size() == 1 && rows[0].state == "failed";
    })) << pair.logs();
    EXPECT_NE(
        pair.receiver_bus.list_transfers()[0].error.find("nothing arrived from the sender for 1 s"),
        std::string::npos)
        << pair.logs();
    EXPECT_TRUE(wait_until([&] { return entries_in(pair.receiver.incoming()).empty(); }))
        << ::testing::PrintToString(entries_in(pair.receiver.incoming()));
}

TEST(Limits, SenderGivesUpWhenThePeerStopsReading) {
    RelayedPair pair(StreamdOptions{.reconnect_attempts = 0, .limits = "idle_timeout = 1\n"},
                     StreamdOptions{});
    pair.relay.hold_after(1 << 20);
    fixtures::TempDir files("streamd-it-limits");
    write_random_file(files / "unread.bin", 16 << 20, 4);

    auto sent = run_streamctl(pair.sender.bus_address(),
                              {"send", (files / "unread.bin").string(), pair.relay.endpoint()});
    expect_streamctl_failure(sent, {"no progress with", "for 1 s"}, pair.logs());
    pair.relay.release();
    EXPECT_TRUE(wait_until([&] { return entries_in(pair.receiver.incoming()).empty(); }))
        << ::testing::PrintToString(entries_in(pair.receiver.incoming()));
}

TEST(Limits, AnOfferThatWouldEatTheReserveIsRefused) {
    StreamdInstance sender;
    StreamdInstance receiver(StreamdOptions{.reserve = "\"1024T\""});
    fixtures::TempDir files("streamd-it-limits");
    write_random_file(files / "small.bin", 4096, 5);
    auto sent = run_streamctl(sender.bus_address(),
                              {"send", (files / "small.bin").string(), receiver.endpoint()});
    expect_streamctl_failure(sent, {"rejected by peer", "not enough space", "must stay free"},
                             receiver.log());
    EXPECT_TRUE(entries_in(receiver.incoming()).empty());
}

} // namespace
} // namespace streamd::it

// What one peer may hold of a daemon: connections per address, incoming transfers at once,
// time to say what it wants, time without progress, and the free space a file must leave.

#include "control_expectations.hpp"
#include "native_frames.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "unique_fd.hpp"
#include "wait_until.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace streamd::it {
namespace {

UniqueFd connect_to(std::uint16_t port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
        throw std::system_error(errno, std::generic_category(), "connect to streamd");
    return fd;
}

void send_preamble(int fd) {
    auto preamble = proto::encode_preamble();
    ASSERT_EQ(::send(fd, preamble.data(), preamble.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(preamble.size()));
}

// Everything the daemon sends until it closes the connection; nullopt if it has not closed
// it by the deadline.
std::optional<std::string> read_until_closed(int fd) {
    std::string got;
    char buffer[4096];
    for (;;) {
        pollfd p{fd, POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(generous_deadline.count() * 1000));
        if (ready <= 0) return std::nullopt;
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n == 0) return got;
        if (n < 0) return errno == ECONNRESET ? std::optional(got) : std::nullopt;
        got.append(buffer, static_cast<size_t>(n));
    }
}

// The daemon's answer to a preamble: a WELCOME frame, or nothing because it closed.
bool welcomed(std::uint16_t port) {
    UniqueFd fd = connect_to(port);
    send_preamble(fd.get());
    std::uint8_t header[proto::kHeaderSize];
    pollfd p{fd.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(generous_deadline.count() * 1000)) <= 0) return false;
    if (::recv(fd.get(), header, sizeof header, MSG_WAITALL) != sizeof header) return false;
    return proto::decode_header(header).type == proto::FrameType::Welcome;
}

TEST(Limits, SilentConnectionIsToldAndClosedAfterTheHandshakeTimeout) {
    StreamdInstance daemon(StreamdOptions{.limits = "handshake_timeout = 1\n"});
    UniqueFd silent = connect_to(daemon.port());
    UniqueFd preamble_only = connect_to(daemon.port());
    send_preamble(preamble_only.get());

    for (int fd : {silent.get(), preamble_only.get()}) {
        auto said = read_until_closed(fd);
        ASSERT_TRUE(said.has_value()) << "still open\n" << daemon.log();
        EXPECT_NE(said->find("no OFFER or JOIN within 1 s"), std::string::npos) << *said;
    }
    // The daemon goes on serving.
    EXPECT_TRUE(welcomed(daemon.port())) << daemon.log();
}

TEST(Limits, ConnectionsBeyondThePerAddressLimitAreClosedUnanswered) {
    StreamdInstance daemon(
        StreamdOptions{.limits = "handshake_timeout = 0\nmax_connections_per_address = 2\n"});
    UniqueFd first = connect_to(daemon.port());
    UniqueFd second = connect_to(daemon.port());
    UniqueFd third = connect_to(daemon.port());
    send_preamble(third.get());
    auto said = read_until_closed(third.get());
    ASSERT_TRUE(said.has_value()) << "the third connection stays open\n" << daemon.log();
    EXPECT_EQ(*said, "") << "a refused connection is closed without an answer";

    // A slot freed is a slot to have again, once the daemon has seen the close.
    first.reset();
    EXPECT_TRUE(wait_until([&] { return welcomed(daemon.port()); })) << daemon.log();
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
    RelayedPair pair(StreamdOptions{}, StreamdOptions{.limits = "idle_timeout = 1\n"});
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
    RelayedPair pair(StreamdOptions{.limits = "idle_timeout = 1\n"}, StreamdOptions{});
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

// The relay on its own, with plain sockets: a transfer test that relies on it holding and
// releasing a connection must not be the first place where a relay bug shows.

#include "loopback_socket.hpp"
#include "tcp_relay.hpp"
#include "unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <numeric>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <system_error>
#include <vector>

namespace streamd::it {
namespace {

using namespace std::chrono_literals;

constexpr auto deadline = 30s;

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// A listening socket on 127.0.0.1 standing in for streamd.
class Server {
public:
    std::uint16_t port() const { return listener_.port; }

    // The next connection the relay made, or an empty fd if none came in time.
    UniqueFd accept_one() {
        pollfd pfd{listener_.fd.get(), POLLIN, 0};
        if (::poll(&pfd, 1, static_cast<int>(std::chrono::milliseconds(deadline).count())) != 1)
            return UniqueFd();
        return UniqueFd(::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    }

private:
    LoopbackListener listener_ = listen_loopback(16);
};

std::vector<char> pattern(std::size_t size) {
    std::vector<char> data(size);
    std::iota(data.begin(), data.end(), static_cast<char>(1));
    return data;
}

void send_all(int fd, const std::vector<char>& data) {
    for (std::size_t done = 0; done < data.size();) {
        ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("send");
        done += static_cast<std::size_t>(n);
    }
}

// Reads until `size` bytes came, the peer closed, or the deadline passed.
std::vector<char> receive(int fd, std::size_t size) {
    std::vector<char> data;
    const auto until = std::chrono::steady_clock::now() + deadline;
    char buffer[65536];
    while (data.size() < size) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        pollfd pfd{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) != 1) break;
        ssize_t n = ::recv(fd, buffer, std::min(sizeof buffer, size - data.size()), 0);
        if (n <= 0) break;
        data.insert(data.end(), buffer, buffer + n);
    }
    return data;
}

// Whatever is already queued on the socket, without waiting.
std::size_t queued_bytes(int fd) {
    std::size_t total = 0;
    char buffer[65536];
    for (;;) {
        ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n <= 0) break;
        total += static_cast<std::size_t>(n);
    }
    return total;
}

// True once the peer closed: recv reports end of file or a reset.
bool sees_close(int fd) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    char buffer[65536];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        pollfd pfd{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&pfd, 1, static_cast<int>(left.count())) != 1) return false;
        ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
        if (n < 0) return false;
    }
}

void set_nonblocking(int fd) {
    int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw_errno("fcntl");
}

TEST(TcpRelay, ForwardsBothWays) {
    Server server;
    TcpRelay relay(server.port());
    UniqueFd client = connect_loopback(relay.port());
    UniqueFd upstream = server.accept_one();
    ASSERT_TRUE(upstream) << "the relay did not connect to the server";

    const auto up = pattern(3 * 1024 * 1024 + 17);
    send_all(client.get(), up);
    EXPECT_EQ(receive(upstream.get(), up.size()), up);

    const auto down = pattern(1024 * 1024 + 5);
    send_all(upstream.get(), down);
    EXPECT_EQ(receive(client.get(), down.size()), down);

    EXPECT_TRUE(relay.wait_until(
        [&](const TcpRelay::Counts& c) {
            return c.to_server == up.size() && c.to_client == down.size();
        },
        deadline));
    EXPECT_EQ(relay.counts().accepted, 1u);
    EXPECT_EQ(relay.counts().open, 1u);
}

TEST(TcpRelay, HoldsAfterTheBudgetAndBlocksTheSender) {
    Server server;
    TcpRelay relay(server.port());
    relay.hold_after(100'000);
    UniqueFd client = connect_loopback(relay.port());
    UniqueFd upstream = server.accept_one();
    ASSERT_TRUE(upstream);

    // Far more than every buffer on the way can take. Sends until the relay holds, then once
    // more until EAGAIN: with the relay no longer reading, the sender's buffers fill and stay full.
    set_nonblocking(client.get());
    const auto data = pattern(64 * 1024 * 1024);
    std::size_t sent = 0;
    auto send_until_full = [&] {
        for (;;) {
            ssize_t n = ::send(client.get(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EAGAIN) return true;
            if (n <= 0) return false;
            sent += static_cast<std::size_t>(n);
            if (sent == data.size()) return false;
        }
    };
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (relay.counts().held == 0) {
        ASSERT_TRUE(send_until_full()) << "the relay took everything instead of holding";
        ASSERT_LT(std::chrono::steady_clock::now(), until) << "the relay never held";
        // Short slices: once the relay holds, the socket never becomes writable again.
        pollfd pfd{client.get(), POLLOUT, 0};
        ::poll(&pfd, 1, 50);
    }
    ASSERT_TRUE(send_until_full()) << "the sender never blocked";
    EXPECT_LT(sent, data.size());

    ASSERT_TRUE(relay.wait_until([](const TcpRelay::Counts& c) { return c.held == 1; }, deadline));
    EXPECT_EQ(relay.counts().to_server, 100'000u);
    EXPECT_EQ(queued_bytes(upstream.get()), 100'000u)
        << "a held connection delivers exactly its budget";

    // Replies flow while the client side is held.
    const auto reply = pattern(200'000);
    send_all(upstream.get(), reply);
    EXPECT_EQ(receive(client.get(), reply.size()), reply);

    relay.release();
    const auto rest = receive(upstream.get(), sent - 100'000);
    ASSERT_EQ(rest.size(), sent - 100'000) << "release did not let the rest through";
    EXPECT_TRUE(std::equal(rest.begin(), rest.end(), data.begin() + 100'000));
}

TEST(TcpRelay, BudgetAppliesToOpenConnections) {
    Server server;
    TcpRelay relay(server.port());
    UniqueFd client = connect_loopback(relay.port());
    UniqueFd upstream = server.accept_one();
    ASSERT_TRUE(upstream);
    const auto first = pattern(5000);
    send_all(client.get(), first);
    ASSERT_EQ(receive(upstream.get(), first.size()).size(), first.size());

    relay.hold_after(6000);
    send_all(client.get(), pattern(5000));
    ASSERT_TRUE(relay.wait_until([](const TcpRelay::Counts& c) { return c.held == 1; }, deadline));
    EXPECT_EQ(queued_bytes(upstream.get()), 1000u);
}

TEST(TcpRelay, ClientClosingWhileHeldClosesTheServerSide) {
    Server server;
    TcpRelay relay(server.port());
    relay.hold_after(1000);
    UniqueFd client = connect_loopback(relay.port());
    UniqueFd upstream = server.accept_one();
    ASSERT_TRUE(upstream);
    send_all(client.get(), pattern(50'000));
    ASSERT_TRUE(relay.wait_until([](const TcpRelay::Counts& c) { return c.held == 1; }, deadline));

    client.reset();
    EXPECT_TRUE(sees_close(upstream.get())) << "the server never learnt that the client left";
    EXPECT_TRUE(relay.wait_until([](const TcpRelay::Counts& c) { return c.open == 0; }, deadline));
}

TEST(TcpRelay, ServerClosingClosesTheClientSide) {
    Server server;
    TcpRelay relay(server.port());
    UniqueFd client = connect_loopback(relay.port());
    UniqueFd upstream = server.accept_one();
    ASSERT_TRUE(upstream);
    const auto last_words = pattern(777);
    send_all(upstream.get(), last_words);
    upstream.reset();
    EXPECT_EQ(receive(client.get(), last_words.size()), last_words)
        << "what the server sent before closing is passed on";
    EXPECT_TRUE(sees_close(client.get()));
}

TEST(TcpRelay, HoldsRepliesAfterTheirBudget) {
    Server server;
    TcpRelay relay(server.port());
    relay.hold_replies_after(300);
    UniqueFd client = connect_loopback(relay.port());
    UniqueFd upstream = server.accept_one();
    ASSERT_TRUE(upstream);
    const auto reply = pattern(1000);
    send_all(upstream.get(), reply);
    const auto first = receive(client.get(), 300);
    ASSERT_EQ(first.size(), 300u);
    // The client side still flows while replies are held.
    const auto request = pattern(5000);
    send_all(client.get(), request);
    EXPECT_EQ(receive(upstream.get(), request.size()), request);
    ASSERT_TRUE(relay.wait_until(
        [&](const TcpRelay::Counts& c) { return c.to_server == request.size(); }, deadline));
    EXPECT_EQ(queued_bytes(client.get()), 0u) << "a held reply delivers exactly its budget";

    relay.release_replies();
    const auto rest = receive(client.get(), reply.size() - 300);
    ASSERT_EQ(rest.size(), reply.size() - 300) << "release_replies did not let the rest through";
    EXPECT_TRUE(std::equal(rest.begin(), rest.end(), reply.begin() + 300));
}

TEST(TcpRelay, ResetsOneConnectionAndLeavesTheOthers) {
    Server server;
    TcpRelay relay(server.port());
    UniqueFd first = connect_loopback(relay.port());
    UniqueFd first_upstream = server.accept_one();
    UniqueFd second = connect_loopback(relay.port());
    UniqueFd second_upstream = server.accept_one();
    ASSERT_TRUE(first_upstream && second_upstream);

    relay.reset_connection(1);
    EXPECT_TRUE(sees_close(second.get()));
    EXPECT_TRUE(sees_close(second_upstream.get()));
    const auto data = pattern(2000);
    send_all(first.get(), data);
    EXPECT_EQ(receive(first_upstream.get(), data.size()), data);
    EXPECT_EQ(relay.counts().open, 1u);
}

TEST(TcpRelay, CountsEveryConnection) {
    Server server;
    TcpRelay relay(server.port());
    UniqueFd a = connect_loopback(relay.port());
    UniqueFd b = connect_loopback(relay.port());
    UniqueFd c = connect_loopback(relay.port());
    EXPECT_TRUE(relay.wait_until(
        [](const TcpRelay::Counts& counts) { return counts.accepted == 3 && counts.open == 3; },
        deadline));
}

TEST(TcpRelay, NothingListeningClosesTheClient) {
    std::uint16_t closed_port;
    {
        Server gone;
        closed_port = gone.port();
    }
    TcpRelay relay(closed_port);
    UniqueFd client = connect_loopback(relay.port());
    EXPECT_TRUE(sees_close(client.get()));
}

} // namespace
} // namespace streamd::it

// The port's first reader on a real worker and real sockets: a new connection goes, with
// the bytes that named its protocol and as the same open socket, to the protocol it
// speaks; anything else is closed unanswered, and a connection silent past the
// handshake timeout goes to the native protocol, which tells it why it ends.
#include "config/config.hpp"
#include "config/live_settings.hpp"
#include "native_frames.hpp"
#include "port/admission.hpp"
#include "port/arrival.hpp"
#include "port/first_bytes.hpp"
#include "running_worker.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace streamd {
namespace {

using namespace harness;

enum class Protocol { Native, Http };

struct Handover {
    Protocol protocol;
    Arrival arrival;
    std::thread::id thread;
};

// Keeps what the port hands over, sockets and admissions included, until the test
// takes it.
class RecordingProtocols final : public Protocols {
public:
    void native(Worker&, Arrival arrival) override { record(Protocol::Native, std::move(arrival)); }
    void http(Worker&, Arrival arrival) override { record(Protocol::Http, std::move(arrival)); }

    // The next connection handed over, or nothing if none comes within kPatience.
    std::optional<Handover> next() {
        std::unique_lock lock(mutex_);
        if (!cv_.wait_for(lock, kPatience, [&] { return !waiting_.empty(); })) return std::nullopt;
        Handover h = std::move(waiting_.front());
        waiting_.pop_front();
        return h;
    }
    // Every connection handed over so far, taken or not.
    size_t count() {
        std::lock_guard lock(mutex_);
        return count_;
    }

private:
    void record(Protocol p, Arrival arrival) {
        std::lock_guard lock(mutex_);
        waiting_.push_back({p, std::move(arrival), std::this_thread::get_id()});
        ++count_;
        cv_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<Handover> waiting_;
    size_t count_ = 0;
};

Config config_with(uint64_t handshake_timeout, unsigned per_address, unsigned total) {
    Config c;
    c.limits.handshake_timeout = handshake_timeout;
    c.limits.max_connections_per_address = per_address;
    c.limits.max_connections = total;
    c.tls.mode = TlsMode::Off;
    return c;
}

// The port of one worker: its settings, admissions and protocols, and the worker.
struct Port {
    explicit Port(uint64_t handshake_timeout = 10, unsigned per_address = 128, unsigned total = 512)
        : config(config_with(handshake_timeout, per_address, total)), settings(config),
          tls(config, settings), admissions(settings),
          worker({}, [this](Worker& w, UniqueFd socket) {
              accept_connection(w, std::move(socket), admissions, protocols, settings, tls);
          }) {}

    // As if the worker had just accepted `socket` from `peer`.
    void arrive(UniqueFd socket, std::string peer = "192.0.2.7:40000") {
        auto arrival =
            std::make_shared<Arrival>(Arrival{std::make_unique<PlainSocket>(std::move(socket)),
                                              std::move(peer),
                                              Admission(),
                                              false,
                                              std::chrono::steady_clock::now(),
                                              {}});
        worker.post([this, arrival](Worker& w) {
            w.adopt(std::make_unique<FirstBytes>(w, std::move(*arrival), protocols, settings, tls));
        });
    }

    Config config;
    LiveSettings settings;
    TlsContexts tls;
    AdmissionCounter admissions;
    RecordingProtocols protocols; // holds admissions: after the counter, so gone before it
    RunningWorker worker;         // last: stopped and joined before the rest goes
};

// That `handed` and `ours` are the two ends of one open connection, both ways.
void expect_connected(int handed, int ours) {
    ASSERT_TRUE(send_all(ours, "to the protocol"));
    EXPECT_EQ(receive(handed, 15), bytes_of("to the protocol"));
    ASSERT_TRUE(send_all(handed, "to the peer"));
    EXPECT_EQ(receive(ours, 11), bytes_of("to the peer"));
}

std::vector<uint8_t> preamble() {
    auto p = proto::encode_preamble();
    return {p.begin(), p.end()};
}

TEST(FirstBytes, ANativePreambleGoesToTheNativeProtocolWithItsBytes) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs), "192.0.2.7:40001");
    ASSERT_TRUE(send_all(ours.get(), preamble()));

    auto h = port.protocols.next();
    ASSERT_TRUE(h) << "nothing handed over";
    EXPECT_EQ(h->protocol, Protocol::Native);
    EXPECT_EQ(h->arrival.received, preamble());
    EXPECT_EQ(h->arrival.peer, "192.0.2.7:40001");
    EXPECT_NE(h->thread, std::this_thread::get_id());
    ASSERT_TRUE(h->arrival.wire);
    expect_connected(h->arrival.wire->socket(), ours.get());
    ASSERT_TRUE(port.worker.settle());
    EXPECT_EQ(port.protocols.count(), 1u);
}

TEST(FirstBytes, WhatFollowsThePreambleIsLeftForTheProtocolToRead) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    auto first = preamble();
    std::vector<uint8_t> sent = first;
    sent.insert(sent.end(), {1, 2, 3, 4, 5});
    ASSERT_TRUE(send_all(ours.get(), sent));

    auto h = port.protocols.next();
    ASSERT_TRUE(h);
    EXPECT_EQ(h->protocol, Protocol::Native);
    EXPECT_EQ(h->arrival.received, first);
    EXPECT_EQ(receive(h->arrival.wire->socket(), 5), (std::vector<uint8_t>{1, 2, 3, 4, 5}));
}

TEST(FirstBytes, APreambleInPiecesGoesToTheNativeProtocolWhole) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    auto p = preamble();
    // Whether the kernel gives them to the reader in one piece or in three.
    ASSERT_TRUE(send_all(ours.get(), std::span(p).first(1)));
    ASSERT_TRUE(send_all(ours.get(), std::span(p).subspan(1, 4)));
    ASSERT_TRUE(send_all(ours.get(), std::span(p).subspan(5)));

    auto h = port.protocols.next();
    ASSERT_TRUE(h);
    EXPECT_EQ(h->protocol, Protocol::Native);
    EXPECT_EQ(h->arrival.received, p);
}

TEST(FirstBytes, AnotherVersionsPreambleStillGoesToTheNativeProtocol) {
    // Which versions are spoken is the native protocol's to say, with an ERROR.
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    auto p = proto::encode_preamble(0x7F01);
    ASSERT_TRUE(send_all(ours.get(), p));

    auto h = port.protocols.next();
    ASSERT_TRUE(h);
    EXPECT_EQ(h->protocol, Protocol::Native);
    EXPECT_EQ(h->arrival.received, std::vector<uint8_t>(p.begin(), p.end()));
}

TEST(FirstBytes, AnHttpRequestGoesToHttpWithItsFirstEightBytes) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs), "192.0.2.8:50000");
    const std::string request = "GET / HTTP/1.1\r\nHost: example.org\r\n\r\n";
    ASSERT_TRUE(send_all(ours.get(), request));

    auto h = port.protocols.next();
    ASSERT_TRUE(h) << "nothing handed over";
    EXPECT_EQ(h->protocol, Protocol::Http);
    EXPECT_EQ(h->arrival.received, bytes_of("GET / HT"));
    EXPECT_EQ(h->arrival.peer, "192.0.2.8:50000");
    // The rest of the request is the HTTP side's to read, on the same socket.
    EXPECT_EQ(receive(h->arrival.wire->socket(), request.size() - 8), bytes_of(request.substr(8)));
    expect_connected(h->arrival.wire->socket(), ours.get());
}

TEST(FirstBytes, AnyUpperCaseMethodGoesToHttp) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    ASSERT_TRUE(send_all(ours.get(), "OPTIONS * HTTP/1.1\r\n\r\n"));

    auto h = port.protocols.next();
    ASSERT_TRUE(h);
    EXPECT_EQ(h->protocol, Protocol::Http);
    EXPECT_EQ(h->arrival.received, bytes_of("OPTIONS "));
}

// Sends `first` and expects the port to close the connection without handing it on.
void expect_closed_unanswered(std::string_view first) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    ASSERT_TRUE(send_all(ours.get(), first));
    EXPECT_TRUE(reads_end(ours.get())) << "the port did not close the connection";
    ASSERT_TRUE(port.worker.settle());
    EXPECT_EQ(port.protocols.count(), 0u);
}

TEST(FirstBytes, AFirstByteThatIsNeitherClosesTheConnectionUnanswered) {
    expect_closed_unanswered("get / http/1.1\r\n\r\n"); // no method is lower case
}

TEST(FirstBytes, ATlsClientHelloIsClosedUnanswered) {
    expect_closed_unanswered(std::string_view("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
}

TEST(FirstBytes, TheMagicsFirstByteAloneIsNotAPreamble) {
    auto p = preamble();
    p[3] = 'X'; // 0xC5 'S' 'T' 'X'
    expect_closed_unanswered(std::string_view(reinterpret_cast<const char*>(p.data()), p.size()));
}

TEST(FirstBytes, APeerThatClosesBeforeEightBytesIsNotHandedOver) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    auto p = preamble();
    ASSERT_TRUE(send_all(ours.get(), std::span(p).first(5)));
    ASSERT_EQ(::shutdown(ours.get(), SHUT_WR), 0);
    EXPECT_TRUE(reads_end(ours.get())) << "the port did not close the connection";
    ASSERT_TRUE(port.worker.settle());
    EXPECT_EQ(port.protocols.count(), 0u);
}

TEST(FirstBytes, APeerThatClosesWithoutAByteIsNotHandedOver) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    ASSERT_EQ(::shutdown(ours.get(), SHUT_WR), 0);
    EXPECT_TRUE(reads_end(ours.get())) << "the port did not close the connection";
    ASSERT_TRUE(port.worker.settle());
    EXPECT_EQ(port.protocols.count(), 0u);
}

TEST(FirstBytes, ASilentPeerGoesToNativeAfterTheHandshakeTimeoutWithWhatItSent) {
    Port port(/*handshake_timeout=*/1);
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs), "192.0.2.9:1234");
    ASSERT_TRUE(send_all(ours.get(), "\xC5ST"));

    auto h = port.protocols.next();
    ASSERT_TRUE(h) << "the handshake timeout handed nothing over";
    EXPECT_EQ(h->protocol, Protocol::Native);
    EXPECT_EQ(h->arrival.received, bytes_of("\xC5ST"));
    EXPECT_EQ(h->arrival.peer, "192.0.2.9:1234");
    expect_connected(h->arrival.wire->socket(), ours.get());
}

TEST(FirstBytes, APeerSilentFromTheStartGoesToNativeWithNothing) {
    Port port(/*handshake_timeout=*/1);
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));

    auto h = port.protocols.next();
    ASSERT_TRUE(h) << "the handshake timeout handed nothing over";
    EXPECT_EQ(h->protocol, Protocol::Native);
    EXPECT_TRUE(h->arrival.received.empty());
    expect_connected(h->arrival.wire->socket(), ours.get());
}

TEST(FirstBytes, StoppingTheWorkerClosesAConnectionStillReading) {
    Port port;
    auto [ours, theirs] = unix_pair();
    port.arrive(std::move(theirs));
    ASSERT_TRUE(send_all(ours.get(), "\xC5S"));
    ASSERT_TRUE(port.worker.settle());
    port.worker.stop();
    EXPECT_TRUE(reads_end(ours.get())) << "the connection outlived its worker";
    EXPECT_EQ(port.protocols.count(), 0u);
}

TEST(FirstBytes, AnAcceptedConnectionIsCountedAndHandedOverWithItsAddress) {
    UniqueFd listener = loopback_listener();
    const uint16_t port_number = local_port(listener.get());
    Port port(10, /*per_address=*/1);
    port.worker.post([fd = listener.get()](Worker& w) { w.listen(fd); });

    UniqueFd first = connect_to(port_number);
    ASSERT_TRUE(send_all(first.get(), preamble()));
    auto h = port.protocols.next();
    ASSERT_TRUE(h) << "the accepted connection was not handed over";
    EXPECT_EQ(h->protocol, Protocol::Native);
    EXPECT_EQ(h->arrival.received, preamble());
    EXPECT_EQ(h->arrival.peer, "127.0.0.1:" + std::to_string(local_port(first.get())));
    EXPECT_TRUE(h->arrival.peer_on_loopback);
    EXPECT_EQ(h->arrival.admission.host(), "127.0.0.1");
    EXPECT_LE(h->arrival.accepted_at, std::chrono::steady_clock::now());
    expect_connected(h->arrival.wire->socket(), first.get());

    // The address holds its one place: the next connection is closed unread.
    UniqueFd second = connect_to(port_number);
    EXPECT_TRUE(reads_end(second.get())) << "a connection beyond the limit was kept";
    ASSERT_TRUE(port.worker.settle());
    EXPECT_EQ(port.protocols.count(), 1u);

    // The place goes back with the connection that held it.
    h.reset();
    UniqueFd third = connect_to(port_number);
    ASSERT_TRUE(send_all(third.get(), "GET / HTTP/1.1\r\n\r\n"));
    auto h3 = port.protocols.next();
    ASSERT_TRUE(h3) << "the place of a closed connection was not given back";
    EXPECT_EQ(h3->protocol, Protocol::Http);
    EXPECT_EQ(h3->arrival.peer, "127.0.0.1:" + std::to_string(local_port(third.get())));
}

TEST(FirstBytes, WhenTheDaemonIsFullTheOldestSilentConnectionMakesRoom) {
    UniqueFd listener = loopback_listener();
    const uint16_t port_number = local_port(listener.get());
    Port port(10, /*per_address=*/0, /*total=*/2);
    port.worker.post([fd = listener.get()](Worker& w) { w.listen(fd); });

    const std::vector<uint8_t> p = preamble();
    UniqueFd oldest = connect_to(port_number);
    UniqueFd older = connect_to(port_number);
    ASSERT_TRUE(send_all(older.get(), std::span(p).first(3))); // still in its handshake
    ASSERT_TRUE(port.worker.settle());
    UniqueFd newest = connect_to(port_number);
    EXPECT_TRUE(reads_end(oldest.get())) << "the oldest connection was kept";
    ASSERT_TRUE(send_all(newest.get(), preamble()));
    auto h = port.protocols.next();
    ASSERT_TRUE(h) << "the newest connection was not served";
    EXPECT_EQ(h->arrival.peer, "127.0.0.1:" + std::to_string(local_port(newest.get())));
    // The second is served as well: only one had to go.
    ASSERT_TRUE(send_all(older.get(), std::span(p).subspan(3)));
    auto h2 = port.protocols.next();
    ASSERT_TRUE(h2) << "a second connection was shed";
    EXPECT_EQ(h2->arrival.peer, "127.0.0.1:" + std::to_string(local_port(older.get())));
}

} // namespace
} // namespace streamd

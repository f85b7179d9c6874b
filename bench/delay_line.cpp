// A fixed delay and random loss between two network namespaces, for benchmarks over a
// wide-area link on a kernel without netem. It creates a TUN device named wan0 in each
// namespace and copies every packet that one device sends to the other, D/2 ms later or not
// at all. The devices exist as long as this process does.
//
//   delay_line --ns-a NAME --ns-b NAME --delay-ms D [--loss P] [--seed S] [--mtu M]
//
// Prints "ready" once both devices exist; on SIGTERM or SIGINT prints its packet counts on
// one line to stderr and exits 0. Addresses, link state and rate are the caller's (see
// bench/wan_link.cpp).
#include "packet_ring.hpp"
#include "unique_fd.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <random>
#include <sched.h>
#include <stdexcept>
#include <string>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <system_error>
#include <unistd.h>
#include <vector>

using namespace streamd;
using namespace streamd::bench;

namespace {

constexpr const char* kDevice = "wan0";
// Per direction, like a router's buffer: what arrives beyond it is dropped.
constexpr std::size_t kQueueBytes = std::size_t{64} << 20;
// Packets read from, or written to, a device before the other work gets its turn again: a
// flood in one direction, or a backlog after the scheduler kept us waiting, must neither hold
// back packets that are due nor let the other device's queue overflow unread.
constexpr int kBatch = 64;

constexpr const char* kUsage =
    "usage: delay_line --ns-a NAME --ns-b NAME --delay-ms D [--loss P] [--seed S] [--mtu M]\n"
    "Creates TUN device wan0 in the network namespaces /run/netns/NAME and passes packets\n"
    "between them.\n"
    "  --delay-ms D  round trip added, in ms; each direction delays by D/2\n"
    "  --loss P      chance from 0 to 1 that a packet is dropped, per packet (default 0)\n"
    "  --seed S      seed of the loss draws (default 1)\n"
    "  --mtu M       MTU of both devices, 68 to 65535 (default 1500)\n";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Options {
    std::string ns_a;
    std::string ns_b;
    double delay_ms = -1;
    double loss = 0;
    std::uint64_t seed = 1;
    unsigned mtu = 1500;
    bool help = false;
};

double number(const std::string& flag, const std::string& text, double low, double high) {
    char* end = nullptr;
    errno = 0;
    double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0 || !(value >= low && value <= high)) {
        char range[64];
        std::snprintf(range, sizeof range, "%g to %g", low, high);
        throw UsageError(flag + " takes a number from " + range + ", not '" + text + "'");
    }
    return value;
}

std::uint64_t whole_number(const std::string& flag, const std::string& text) {
    std::uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc{} || end != text.data() + text.size())
        throw UsageError(flag + " takes a whole number, not '" + text + "'");
    return value;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (++i == argc) throw UsageError(a + " needs a value");
            return argv[i];
        };
        if (a == "--help" || a == "-h") {
            o.help = true;
            return o;
        } else if (a == "--ns-a") {
            o.ns_a = value();
        } else if (a == "--ns-b") {
            o.ns_b = value();
        } else if (a == "--delay-ms") {
            o.delay_ms = number(a, value(), 0, 600000);
        } else if (a == "--loss") {
            o.loss = number(a, value(), 0, 1);
        } else if (a == "--seed") {
            o.seed = whole_number(a, value());
        } else if (a == "--mtu") {
            std::uint64_t mtu = whole_number(a, value());
            if (mtu < 68 || mtu > 65535) throw UsageError("--mtu takes 68 to 65535");
            o.mtu = static_cast<unsigned>(mtu);
        } else {
            throw UsageError("unknown option " + a);
        }
    }
    if (o.ns_a.empty() || o.ns_b.empty()) throw UsageError("--ns-a and --ns-b are required");
    if (o.ns_a == o.ns_b) throw UsageError("--ns-a and --ns-b must differ");
    if (o.ns_a.find('/') != std::string::npos || o.ns_b.find('/') != std::string::npos)
        throw UsageError("a namespace name has no '/'");
    if (o.delay_ms < 0) throw UsageError("--delay-ms is required");
    return o;
}

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::int64_t now_ns() {
    timespec t{};
    ::clock_gettime(CLOCK_MONOTONIC, &t);
    return std::int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

UniqueFd create_tun(unsigned mtu) {
    // Opening and TUNSETIFF both happen in the namespace the device is to live in: the kernel
    // takes the namespace from the opener, and the open fd keeps that namespace alive.
    UniqueFd tun(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!tun) throw_errno("open /dev/net/tun");
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::memcpy(ifr.ifr_name, kDevice, std::strlen(kDevice));
    if (::ioctl(tun.get(), TUNSETIFF, &ifr) != 0) throw_errno(std::string("TUNSETIFF ") + kDevice);
    // Set here rather than by the caller because the slots packets are read into have this size.
    UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifr.ifr_mtu = static_cast<int>(mtu);
    if (!sock || ::ioctl(sock.get(), SIOCSIFMTU, &ifr) != 0)
        throw_errno("set MTU " + std::to_string(mtu) + " on " + kDevice);
    return tun;
}

// A TUN device in the namespace /run/netns/NAME; the thread is back in `home` on return.
UniqueFd tun_in_namespace(const std::string& name, unsigned mtu, int home) {
    std::string path = "/run/netns/" + name;
    UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!target) throw_errno("open " + path);
    if (::setns(target.get(), CLONE_NEWNET) != 0) throw_errno("setns " + path);
    UniqueFd tun;
    std::string error;
    try {
        tun = create_tun(mtu);
    } catch (const std::exception& e) {
        error = e.what();
    }
    if (::setns(home, CLONE_NEWNET) != 0) throw_errno("setns back to the original namespace");
    if (!error.empty()) throw std::runtime_error(name + ": " + error);
    return tun;
}

// Independent per packet and reproducible from the seed: mt19937_64's sequence is fixed by the
// standard, and a comparison of its raw output avoids a library-specific distribution.
class Loss {
public:
    Loss(double chance, std::uint64_t seed)
        : always_(chance >= 1),
          threshold_(always_ ? 0 : static_cast<std::uint64_t>(std::ldexp(chance, 64))), rng_(seed) {
    }
    bool drop() { return always_ || (threshold_ != 0 && rng_() < threshold_); }

private:
    bool always_;
    std::uint64_t threshold_;
    std::mt19937_64 rng_;
};

struct Direction {
    const char* name;
    int from;
    int to;
    PacketRing queue;
    std::uint64_t passed = 0;
    std::uint64_t lost = 0;       // drawn by --loss
    std::uint64_t overflowed = 0; // queue at its bound
    std::uint64_t unwritable = 0; // refused by the receiving device, e.g. while it is down
    // How far behind their due time packets went out: the timer's and the scheduler's share.
    std::int64_t late_ns_total = 0;
    std::int64_t late_ns_max = 0;
};

void release_due(Direction& d, std::int64_t now) {
    for (int i = 0; i < kBatch && !d.queue.empty() && d.queue.front_due() <= now; ++i) {
        auto packet = d.queue.front();
        std::int64_t late = now_ns() - d.queue.front_due();
        ssize_t n;
        do {
            n = ::write(d.to, packet.data(), packet.size());
        } while (n < 0 && errno == EINTR);
        ++(n == static_cast<ssize_t>(packet.size()) ? d.passed : d.unwritable);
        d.late_ns_total += late;
        d.late_ns_max = std::max(d.late_ns_max, late);
        d.queue.pop();
    }
}

void receive(Direction& d, Loss& loss, std::int64_t delay_ns, std::vector<std::byte>& scratch) {
    for (int i = 0; i < kBatch; ++i) {
        std::byte* slot = d.queue.reserve();
        ssize_t n = ::read(d.from, slot != nullptr ? slot : scratch.data(), d.queue.slot_bytes());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n < 0) throw_errno(std::string("read ") + d.name);
        // Stamped one by one: a batch can span more time than the precision asked of the delay.
        std::int64_t due = now_ns() + delay_ns;
        if (loss.drop())
            ++d.lost;
        else if (slot == nullptr)
            ++d.overflowed;
        else
            d.queue.commit(static_cast<std::uint32_t>(n), due);
    }
}

void run(const Options& o) {
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    if (::sigprocmask(SIG_BLOCK, &stop, nullptr) != 0) throw_errno("sigprocmask");
    UniqueFd signals(::signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!signals) throw_errno("signalfd");

    UniqueFd home(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!home) throw_errno("open /proc/self/ns/net");
    UniqueFd tun_a = tun_in_namespace(o.ns_a, o.mtu, home.get());
    UniqueFd tun_b = tun_in_namespace(o.ns_b, o.mtu, home.get());

    // Releases wait on a timerfd, which fires at its time to the nanosecond. A timeout of
    // epoll_pwait2 would do with one syscall less, but the kernel lets it run late by 0.1% of
    // its length, 0.5% in a niced process (200 µs of a 40 ms half round trip), and
    // PR_SET_TIMERSLACK does not lower that.
    UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!timer) throw_errno("timerfd_create");
    UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll) throw_errno("epoll_create1");
    enum : std::uint32_t { kTunA, kTunB, kTimer, kSignal };
    std::array<int, 4> watched{tun_a.get(), tun_b.get(), timer.get(), signals.get()};
    for (std::uint32_t i = 0; i < watched.size(); ++i) {
        epoll_event e{};
        e.events = EPOLLIN;
        e.data.u32 = i;
        if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, watched[i], &e) != 0) throw_errno("epoll_ctl");
    }

    std::size_t slot_bytes = (o.mtu + 63) / 64 * 64;
    std::array<Direction, 2> directions{
        Direction{"a>b", tun_a.get(), tun_b.get(),
                  PacketRing(slot_bytes, kQueueBytes / slot_bytes)},
        Direction{"b>a", tun_b.get(), tun_a.get(),
                  PacketRing(slot_bytes, kQueueBytes / slot_bytes)},
    };
    std::vector<std::byte> scratch(slot_bytes);
    Loss loss(o.loss, o.seed);
    auto delay_ns = static_cast<std::int64_t>(std::llround(o.delay_ms * 1e6 / 2));

    std::printf("ready\n");
    std::fflush(stdout);
    // How well bursts are batched: each costs a sleep and a wake-up.
    std::uint64_t wakeups = 0;
    std::int64_t armed = -1; // when the timer fires next, -1 if it is not set
    for (bool running = true; running; ++wakeups) {
        std::int64_t next = -1;
        for (auto& d : directions) {
            release_due(d, now_ns());
            // Constant delay keeps each queue in release order, so its head is its next due.
            if (!d.queue.empty() && (next < 0 || d.queue.front_due() < next))
                next = d.queue.front_due();
        }
        int timeout = -1;
        if (next >= 0 && next <= now_ns()) {
            timeout = 0; // due already: a batch was cut short
        } else if (next >= 0 && next != armed) {
            itimerspec at{};
            at.it_value.tv_sec = next / 1'000'000'000;
            at.it_value.tv_nsec = next % 1'000'000'000;
            if (::timerfd_settime(timer.get(), TFD_TIMER_ABSTIME, &at, nullptr) != 0)
                throw_errno("timerfd_settime");
            armed = next;
        }
        std::array<epoll_event, 4> events{};
        int n = ::epoll_wait(epoll.get(), events.data(), static_cast<int>(events.size()), timeout);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("epoll_wait");
        for (int i = 0; i < n; ++i) {
            switch (std::uint32_t which = events[static_cast<std::size_t>(i)].data.u32) {
            case kTunA:
            case kTunB:
                receive(directions[which], loss, delay_ns, scratch);
                break;
            case kTimer: {
                std::uint64_t expirations = 0;
                [[maybe_unused]] ssize_t ignored =
                    ::read(timer.get(), &expirations, sizeof expirations);
                armed = -1;
                break;
            }
            default:
                running = false;
            }
        }
    }

    auto ull = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    std::string counts = "delay_line:";
    for (const auto& d : directions) {
        std::uint64_t sent = d.passed + d.unwritable;
        double late_us =
            sent > 0 ? static_cast<double>(d.late_ns_total) / 1e3 / static_cast<double>(sent) : 0.0;
        char line[256];
        std::snprintf(line, sizeof line,
                      "%s%s passed %llu dropped %llu (loss %llu, queue full %llu, unwritable %llu)"
                      " late by %.0f us on average, %.0f us at most",
                      &d == &directions[0] ? " " : "; ", d.name, ull(d.passed),
                      ull(d.lost + d.overflowed + d.unwritable), ull(d.lost), ull(d.overflowed),
                      ull(d.unwritable), late_us, static_cast<double>(d.late_ns_max) / 1e3);
        counts += line;
    }
    std::fprintf(stderr, "%s; %llu wakeups\n", counts.c_str(), ull(wakeups));
}

} // namespace

int main(int argc, char** argv) {
    Options options;
    try {
        options = parse(argc, argv);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "delay_line: %s (see --help)\n", e.what());
        return 2;
    }
    if (options.help) {
        std::fputs(kUsage, stdout);
        return 0;
    }
    try {
        run(options);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "delay_line: %s\n", e.what());
        return 1;
    }
}

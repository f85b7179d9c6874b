#include "wan_link.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>
#include <stdexcept>
#include <sys/resource.h>
#include <unistd.h>
#include <utility>

namespace streamd::bench {

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kCommandLimit = 10s;
constexpr auto kReadyLimit = 10s;

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

// The last line a failed command printed, which is where ip and tc put their reason.
std::string reason(const it::RunResult& r) {
    if (r.timed_out) return "no answer within " + std::to_string(kCommandLimit.count()) + " s";
    auto lines = it::lines_of(r.err.empty() ? r.out : r.err);
    while (!lines.empty() && lines.back().empty())
        lines.pop_back();
    return lines.empty() ? r.status.describe() : lines.back();
}

void run_checked(std::vector<std::string> argv) {
    it::SpawnOptions o;
    o.argv = std::move(argv);
    auto r = it::run(o, kCommandLimit);
    if (r.timed_out || !r.status.success())
        throw std::runtime_error("WanLink: `" + r.command + "` failed: " + reason(r));
}

// Bits per second from tc's notation: a number with bit, kbit, mbit, gbit or tbit (powers of
// 1000), kibit and so on (powers of 1024), or the same with bps for bytes.
double bits_per_second(const std::string& rate) {
    static const std::regex form(R"(([0-9]+(?:\.[0-9]*)?)([kmgt]?)(i?)(bit|bps)?)",
                                 std::regex::icase);
    std::smatch m;
    if (!std::regex_match(rate, m, form))
        throw std::invalid_argument("WanLink: rate '" + rate + "' is not like 1gbit or 500mbit");
    auto lower = [](const std::string& text) {
        std::string result = text;
        for (char& c : result)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return result;
    };
    double power = m[2].length() == 0 ? 0 : 1 + std::string("kmgt").find(lower(m[2].str())[0]);
    double value = std::stod(m[1].str()) * std::pow(m[3].length() > 0 ? 1024 : 1000, power);
    if (lower(m[4].str()) == "bps") value *= 8;
    if (!(value > 0)) throw std::invalid_argument("WanLink: rate '" + rate + "' is not positive");
    return value;
}

// Namespaces of benchmarks that were killed before their WanLink could delete them.
void remove_orphans() {
    static const std::regex ours(R"(streamd-([0-9]{1,9})-[0-9]+-[ab])");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/run/netns", ec)) {
        std::string name = entry.path().filename().string();
        std::smatch m;
        if (!std::regex_match(name, m, ours)) continue;
        pid_t owner = static_cast<pid_t>(std::stol(m[1].str()));
        if (::kill(owner, 0) == 0 || errno != ESRCH) continue;
        it::SpawnOptions o;
        o.argv = {"ip", "netns", "del", name};
        it::run(o, kCommandLimit);
    }
}

void wait_until_ready(it::Process& delay_line) {
    auto deadline = std::chrono::steady_clock::now() + kReadyLimit;
    while (delay_line.stdout_text().find("ready\n") == std::string::npos) {
        if (auto status = delay_line.try_wait()) {
            auto lines = it::lines_of(delay_line.stderr_text());
            throw std::runtime_error("WanLink: `" + delay_line.command() + "` ended with " +
                                     status->describe() + ": " +
                                     (lines.empty() ? "no message" : lines.back()));
        }
        if (std::chrono::steady_clock::now() > deadline)
            throw std::runtime_error("WanLink: `" + delay_line.command() +
                                     "` was not ready within 10 s");
        delay_line.wait_for(2ms);
    }
}

void configure(const std::string& ns, const std::string& self, const std::string& peer,
               const std::string& rate, std::uint64_t burst, std::uint64_t limit) {
    run_checked({"ip", "-n", ns, "link", "set", "dev", "lo", "up"});
    // streamd without a key accepts only peers from 127.0.0.0/8, so the link's two ends get
    // addresses from it: the loopback device keeps just 127.0.0.1, and route_localnet lets
    // the rest of 127/8 travel over wan0 instead of being dropped as martian.
    run_checked(
        {"ip", "-n", ns, "route", "replace", "local", "127.0.0.1", "dev", "lo", "table", "local"});
    run_checked(
        {"ip", "-n", ns, "route", "del", "local", "127.0.0.0/8", "dev", "lo", "table", "local"});
    run_checked({"ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1",
                 "net.ipv4.conf.wan0.route_localnet=1"});
    // Point to point: each end has a /32 and a host route to the other, nothing else.
    run_checked({"ip", "-n", ns, "address", "add", self, "peer", peer, "dev", "wan0"});
    // The device's queue lies between tbf and the delay line and fills only while the delay
    // line waits for a CPU. 10000 packets (120 ms at 1 Gbit/s and MTU 1500, 20 times the
    // default) turn such waits into a little extra delay rather than into loss nobody asked for.
    run_checked({"ip", "-n", ns, "link", "set", "dev", "wan0", "txqueuelen", "10000", "up"});
    run_checked({"tc", "-n", ns, "qdisc", "replace", "dev", "wan0", "root", "tbf", "rate", rate,
                 "burst", std::to_string(burst), "limit", std::to_string(limit)});
}

} // namespace

WanLink::Namespace::Namespace(std::string name) : name_(std::move(name)) {
    run_checked({"ip", "netns", "add", name_});
    added_ = true;
}

void WanLink::Namespace::remove() noexcept {
    if (!added_) return;
    added_ = false;
    try {
        it::SpawnOptions o;
        o.argv = {"ip", "netns", "del", name_};
        auto r = it::run(o, kCommandLimit);
        if (r.timed_out || !r.status.success())
            std::fprintf(stderr, "WanLink: `%s` failed: %s\n", r.command.c_str(),
                         reason(r).c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "WanLink: cannot delete namespace %s: %s\n", name_.c_str(), e.what());
    }
}

WanLink::WanLink(const Options& options) {
    if (::geteuid() != 0)
        throw std::runtime_error("WanLink: needs root for network namespaces and TUN devices");
    if (::access("/dev/net/tun", R_OK | W_OK) != 0)
        throw std::runtime_error("WanLink: no usable /dev/net/tun for the delay line");
    const char* delay_line = std::getenv("DELAY_LINE_BIN");
    if (delay_line == nullptr || *delay_line == '\0')
        throw std::runtime_error("WanLink: DELAY_LINE_BIN is not set; point it at delay_line");
    if (!fs::exists(delay_line))
        throw std::runtime_error(std::string("WanLink: DELAY_LINE_BIN names a missing file: ") +
                                 delay_line);
    if (!(options.rtt_ms >= 0) || !(options.loss >= 0 && options.loss <= 1))
        throw std::invalid_argument("WanLink: rtt_ms must be >= 0 and loss from 0 to 1");
    rate_gbit_ = bits_per_second(options.rate) / 1e9;
    double bytes_per_second = rate_gbit_ * 1e9 / 8;

    // tbf hands out up to `burst` bytes back to back and then waits for tokens on an hrtimer.
    // One millisecond of the rate (125 kB at 1 Gbit/s) keeps those waits near 1 kHz, and the
    // shape is the rate at the scale of milliseconds that round trips are measured in. Never
    // under a few packets, or slow rates could not send a full-size one.
    auto burst = static_cast<std::uint64_t>(
        std::max(bytes_per_second / 1000, 4.0 * static_cast<double>(options.mtu)));
    // The bottleneck buffer: one bandwidth-delay product by default (10 MB at 1 Gbit/s and
    // 80 ms), the classic router sizing with which one Reno flow keeps the link busy. A queue
    // on the sender's own egress is seen by TCP Small Queues, though, which holds each flow to
    // about a millisecond of its rate in it: unlike at a remote router, TCP rarely overflows it.
    std::uint64_t limit = options.queue_bytes;
    if (limit == 0)
        limit = std::max(static_cast<std::uint64_t>(bytes_per_second * options.rtt_ms / 1000),
                         4 * burst);

    static std::atomic<unsigned> links{0};
    std::string prefix = "streamd-" + std::to_string(::getpid()) + "-" + std::to_string(links++);
    namespace_a_ = prefix + "-a";
    namespace_b_ = prefix + "-b";
    remove_orphans();
    a_.emplace(namespace_a_);
    b_.emplace(namespace_b_);

    it::SpawnOptions o;
    o.argv = {delay_line,
              "--ns-a",
              namespace_a_,
              "--ns-b",
              namespace_b_,
              "--delay-ms",
              number_text(options.rtt_ms),
              "--loss",
              number_text(options.loss),
              "--seed",
              std::to_string(options.seed),
              "--mtu",
              std::to_string(options.mtu)};
    delay_line_.emplace(o);
    // It carries both ends' traffic on a machine that both ends keep busy; a delay line
    // that waits for a CPU adds delay nobody asked for.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(delay_line_->pid()), -10);
    wait_until_ready(*delay_line_);

    configure(namespace_a_, address_a_, address_b_, options.rate, burst, limit);
    configure(namespace_b_, address_b_, address_a_, options.rate, burst, limit);
}

WanLink::~WanLink() {
    close();
}

std::string WanLink::close() noexcept {
    std::string counts;
    try {
        if (delay_line_) {
            delay_line_->stop(SIGTERM, 5s);
            auto lines = it::lines_of(delay_line_->stderr_text());
            if (!lines.empty()) counts = lines.back();
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "WanLink: stopping the delay line: %s\n", e.what());
    }
    // Before the namespaces, whose devices it holds; Process's destructor kills what is left.
    delay_line_.reset();
    b_.reset();
    a_.reset();
    return counts;
}

} // namespace streamd::bench

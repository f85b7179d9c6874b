// Checks a WanLink by hand: ping and iperf3 across it, and the CPU its delay line used.
//
//   DELAY_LINE_BIN=build/bench/delay_line wan_check --rtt-ms R [--loss P] [--rate RATE]
//                                                  [--seconds S]
//
// Needs root, ping and iperf3. On Ctrl-C or SIGTERM it stops after the step under way and
// takes the link down.
#include "commands.hpp"
#include "cpu_time.hpp"
#include "process.hpp"
#include "wan_link.hpp"

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

using namespace streamd;
using namespace streamd::bench;
using namespace std::chrono_literals;

namespace {

constexpr const char* kUsage =
    "usage: wan_check --rtt-ms R [--loss P] [--rate RATE] [--seconds S]\n"
    "Builds a WanLink (DELAY_LINE_BIN names bench/delay_line) and measures it with ping and\n"
    "iperf3 -P 1 and -P 8 for S seconds each (default 5); RATE in tc's notation (default 1gbit).\n";
constexpr std::uint16_t kPort = 5201;

volatile std::sig_atomic_t interrupted = 0;

extern "C" void on_signal(int) {
    interrupted = 1;
}

// Steps check this between them; the step under way ends on its own, and sooner on Ctrl-C,
// which the terminal sends to its commands as well.
void stop_if_interrupted() {
    if (interrupted) throw std::runtime_error("interrupted; the link is taken down");
}

struct Options {
    WanLink::Options link;
    unsigned seconds = 5;
};

Options parse(int argc, char** argv) {
    Options o;
    bool have_rtt = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (++i == argc) throw std::invalid_argument(a + " needs a value");
            return argv[i];
        };
        if (a == "--rtt-ms") {
            o.link.rtt_ms = std::stod(value());
            have_rtt = true;
        } else if (a == "--loss") {
            o.link.loss = std::stod(value());
        } else if (a == "--rate") {
            o.link.rate = value();
        } else if (a == "--seconds") {
            o.seconds = static_cast<unsigned>(std::stoul(value()));
        } else {
            throw std::invalid_argument("unknown option " + a);
        }
    }
    if (!have_rtt) throw std::invalid_argument("--rtt-ms is required");
    if (o.seconds == 0) throw std::invalid_argument("--seconds must be positive");
    return o;
}

it::RunResult run(std::vector<std::string> argv, std::chrono::milliseconds limit) {
    it::SpawnOptions o;
    o.argv = std::move(argv);
    return it::run(o, limit);
}

void ping(const WanLink& link) {
    auto r = run(at(link.in_a(), {"ping", "-q", "-c", "5", "-i", "0.2", link.address_b()}), 30s);
    static const std::regex rtt(R"(= ([0-9.]+)/([0-9.]+)/([0-9.]+)/([0-9.]+) ms)");
    static const std::regex lost(R"(([0-9.]+)% packet loss)");
    std::smatch times, loss;
    if (!std::regex_search(r.out, times, rtt) || !std::regex_search(r.out, loss, lost))
        throw std::runtime_error("ping gave no summary:\n" + r.describe());
    std::printf("ping a -> b: rtt min/avg/max %s / %s / %s ms, %s%% lost\n", times[1].str().c_str(),
                times[2].str().c_str(), times[3].str().c_str(), loss[1].str().c_str());
}

// Seconds a process spent runnable but waiting for a CPU (the second field of schedstat): when
// the machine is busy, this is what makes the delay line late.
double cpu_wait_seconds(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/schedstat");
    unsigned long long running = 0, waiting = 0;
    in >> running >> waiting;
    return static_cast<double>(waiting) / 1e9;
}

void iperf3(const WanLink& link, unsigned streams, unsigned seconds) {
    it::SpawnOptions server;
    server.argv = at(link.in_b(),
                     {"iperf3", "-s", "-1", "-B", link.address_b(), "-p", std::to_string(kPort)});
    it::Process p(server);
    wait_listening(p, kPort);

    double cpu0 = process_cpu_seconds(link.delay_line_pid());
    double wait0 = cpu_wait_seconds(link.delay_line_pid());
    auto start = std::chrono::steady_clock::now();
    auto r =
        run(at(link.in_a(), {"iperf3", "-c", link.address_b(), "-p", std::to_string(kPort), "-t",
                             std::to_string(seconds), "-P", std::to_string(streams), "-J"}),
            std::chrono::seconds(seconds + 60));
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double cpu = process_cpu_seconds(link.delay_line_pid()) - cpu0;
    double waited = cpu_wait_seconds(link.delay_line_pid()) - wait0;
    p.stop(SIGTERM, 2s);

    static const std::regex received(
        R"("sum_received":\s*\{[^}]*?"bits_per_second":\s*([0-9.eE+]+))");
    static const std::regex retransmits(R"("sum_sent":\s*\{[^}]*?"retransmits":\s*([0-9]+))");
    static const std::regex error(R"re("error":\s*"([^"]*)")re");
    std::smatch rate, resent, reason;
    if (std::regex_search(r.out, reason, error))
        throw std::runtime_error("iperf3 -P " + std::to_string(streams) + ": " + reason[1].str());
    if (!r.status.success() || !std::regex_search(r.out, rate, received))
        throw std::runtime_error("iperf3 -P " + std::to_string(streams) + " failed:\n" +
                                 it::last_lines(r.describe(), 20));
    double gbit = std::stod(rate[1].str()) / 1e9;
    std::printf("iperf3 -P %u: %.3f Gbit/s received, %s retransmits; delay line %.2f s CPU in "
                "%.1f s (%.0f%% of a core, %.0f%% per Gbit/s), %.2f s waiting for a CPU\n",
                streams, gbit,
                std::regex_search(r.out, resent, retransmits) ? resent[1].str().c_str() : "?", cpu,
                wall, 100 * cpu / wall, gbit > 0 ? 100 * cpu / wall / gbit : 0.0, waited);
}

// tbf's counts (its drops are the bottleneck queue's) and the TUN device's own drops (its
// queue towards the delay line overflowed).
void queue_counts(const std::vector<std::string>& in, const char* side) {
    auto tc = run(at(in, {"tc", "-s", "qdisc", "show", "dev", "wan0"}), 10s);
    auto link = run(at(in, {"ip", "-s", "link", "show", "dev", "wan0"}), 10s);
    std::string sent = "?", tx_dropped = "?";
    auto tc_lines = it::lines_of(tc.out);
    for (const auto& line : tc_lines)
        if (line.find("Sent ") != std::string::npos) sent = line.substr(line.find("Sent "));
    auto link_lines = it::lines_of(link.out);
    for (std::size_t i = 0; i + 1 < link_lines.size(); ++i) {
        if (link_lines[i].find("TX:") == std::string::npos) continue;
        std::istringstream fields(link_lines[i + 1]);
        std::string bytes, packets, errors;
        fields >> bytes >> packets >> errors >> tx_dropped;
    }
    std::printf("wan0 in %s: tbf %s; device dropped %s\n", side, sent.c_str(), tx_dropped.c_str());
}

} // namespace

int main(int argc, char** argv) try {
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
            std::fputs(kUsage, stdout);
            return 0;
        }
    }
    Options opt;
    try {
        opt = parse(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "wan_check: %s\n%s", e.what(), kUsage);
        return 2;
    }
    struct sigaction action {};
    action.sa_handler = on_signal;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);

    WanLink link(opt.link);
    std::printf("link %s (%s) <-> %s (%s): rtt %g ms, loss %g, rate %s; delay line pid %d\n",
                link.namespace_a().c_str(), link.address_a().c_str(), link.namespace_b().c_str(),
                link.address_b().c_str(), opt.link.rtt_ms, opt.link.loss, opt.link.rate.c_str(),
                static_cast<int>(link.delay_line_pid()));
    std::fflush(stdout);
    for (auto step : {0, 1, 8}) {
        stop_if_interrupted();
        if (step == 0)
            ping(link);
        else
            iperf3(link, static_cast<unsigned>(step), opt.seconds);
        std::fflush(stdout);
    }
    stop_if_interrupted();
    queue_counts(link.in_a(), "a");
    queue_counts(link.in_b(), "b");
    std::printf("%s\n", link.close().c_str());
    return 0;
} catch (const std::exception& e) {
    // A step cut short by Ctrl-C fails in its own way; the interruption is the news.
    std::fprintf(stderr, "wan_check: %s\n",
                 interrupted ? "interrupted; the link is taken down" : e.what());
    return 1;
}

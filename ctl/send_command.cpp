#include "send_command.hpp"

#include "bus_client.hpp"
#include "failure.hpp"
#include "file_name.hpp"
#include "progress_display.hpp"
#include "send_summary.hpp"
#include "source_file.hpp"
#include "terminal_text.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>

namespace streamd::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// Small files finish in milliseconds: look again soon at first, then settle at a
// pace that still redraws the progress line smoothly.
constexpr auto kFirstPoll = std::chrono::milliseconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(200);

volatile std::sig_atomic_t interrupted = 0;

extern "C" void note_interrupt(int) {
    interrupted = 1;
}

// Ctrl-C while waiting stops the waiting, not the transfer: that belongs to the daemon, and
// saying so beats leaving the user to guess. Without SA_RESTART, so that it cuts the sleep
// between polls short.
class InterruptCatcher {
public:
    InterruptCatcher() {
        struct sigaction sa {};
        sa.sa_handler = note_interrupt;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &previous_);
    }
    ~InterruptCatcher() { ::sigaction(SIGINT, &previous_, nullptr); }
    InterruptCatcher(const InterruptCatcher&) = delete;
    InterruptCatcher& operator=(const InterruptCatcher&) = delete;

    // Dies of SIGINT as if never caught, so that a calling shell or script stops too.
    [[noreturn]] void die() {
        struct sigaction sa {};
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
        std::fflush(stdout);
        std::raise(SIGINT);
        std::_Exit(130);
    }

private:
    struct sigaction previous_ {};
};

// False when interrupted.
bool sleep_between_polls(std::chrono::nanoseconds d) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
    timespec left{static_cast<time_t>(s.count()), static_cast<long>((d - s).count())};
    while (::nanosleep(&left, &left) != 0 && errno == EINTR)
        if (interrupted) return false;
    return !interrupted;
}

std::string offered_name(const SendRequest& request) {
    if (request.name) return *request.name;
    std::string name = proto::bare_name(request.file);
    // Checked here as well as by the daemon, to point at the way out.
    if (auto problem = proto::name_problem(name))
        throw Failure("cannot offer '" + request.file + "' under its own name: " + *problem +
                      "; choose another with --as NAME");
    return name;
}

std::string lost_reason(const sdbus::Error& e, const QueuedTransfer& t, const BusClient& client) {
    const std::string& name = e.getName();
    if (is_name_without_owner(e))
        return std::string("lost connection to streamd: it is no longer on the ") +
               client.bus_label();
    if (name == "org.freedesktop.DBus.Error.UnknownObject" ||
        name == "org.freedesktop.DBus.Error.UnknownInterface" ||
        name == "org.freedesktop.DBus.Error.UnknownMethod")
        return "transfer " + std::to_string(t.id) + " is no longer known to streamd";
    return "lost connection to streamd: " +
           printable(e.getMessage().empty() ? name : e.getMessage());
}

int follow(BusClient& client, const QueuedTransfer& t, const std::string& name,
           const std::string& destination, Clock::time_point started) {
    InterruptCatcher catcher;
    ProgressDisplay display;
    auto stop_waiting = [&]() {
        display.clear();
        std::fprintf(stderr, "streamctl: no longer waiting; transfer %u goes on in streamd\n",
                     t.id);
        catcher.die();
    };
    std::chrono::milliseconds wait = kFirstPoll;
    for (;;) {
        TransferSnapshot s;
        try {
            s = client.transfer_snapshot(t);
        } catch (const sdbus::Error& e) {
            if (interrupted) stop_waiting();
            display.clear();
            throw Failure(lost_reason(e, t, client));
        }
        if (s.state == "done") {
            display.clear();
            // The daemon's own clock is exact; ours only knows the last poll.
            std::chrono::duration<double> took = Clock::now() - started;
            if (s.finished_at > s.created_at && s.created_at > 0)
                took = std::chrono::microseconds(s.finished_at - s.created_at);
            const std::string summary =
                format_send_summary(name, destination, s.stored_name.empty() ? name : s.stored_name,
                                    s.size, took.count());
            std::printf("%s\n", summary.c_str());
            return 0;
        }
        if (s.state == "failed") {
            display.clear();
            throw Failure("transfer " + std::to_string(t.id) +
                          " failed: " + printable(s.error.empty() ? "no reason given" : s.error));
        }
        if (s.name.empty()) s.name = name;
        display.show(s);
        if (!sleep_between_polls(wait)) stop_waiting();
        wait = std::min(wait * 2, std::chrono::milliseconds(kPollInterval));
    }
}

} // namespace

int run_send(const SendRequest& request, BusKind bus) {
    UniqueFd file = open_source_file(request.file);
    const std::string name = offered_name(request);

    std::map<std::string, sdbus::Variant> options{{"name", sdbus::Variant(name)}};
    if (request.streams) options["streams"] = sdbus::Variant(*request.streams);
    if (request.chunk_size) options["chunk_size"] = sdbus::Variant(*request.chunk_size);

    BusClient client(bus);
    const auto started = Clock::now();
    const QueuedTransfer t = client.send(file, request.destination, options);
    file.reset(); // the daemon has its own descriptor now

    if (!request.wait) {
        std::printf("%u\n", t.id);
        return 0;
    }
    return follow(client, t, name, request.destination, started);
}

} // namespace streamd::ctl

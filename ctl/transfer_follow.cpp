#include "transfer_follow.hpp"

#include "failure.hpp"
#include "interrupt_catcher.hpp"
#include "live_block.hpp"
#include "progress_line.hpp"
#include "terminal_size.hpp"
#include "terminal_text.hpp"
#include "transfer_state.hpp"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

namespace streamd::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// Small files finish in milliseconds: look again soon at first, then settle at a
// pace that still redraws the progress lines smoothly.
constexpr auto kFirstPoll = std::chrono::milliseconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(200);

// How one transfer ended: a line for standard output when it arrived, one for standard
// error when not.
struct Outcome {
    bool arrived;
    std::string line;
};

std::string label(const Followed& f) {
    return "transfer " + std::to_string(f.transfer.id) + " (" + printable(f.name) + ")";
}

Outcome outcome_of(const Followed& f, Clock::time_point started, const DoneLine& done_line) {
    const TransferSnapshot& s = f.last;
    if (s.state != "done") {
        return {false, "streamctl: " + label(f) +
                           " failed: " + printable(s.error.empty() ? "no reason given" : s.error)};
    }
    // The daemon's own clock is exact, and counts from leaving the queue; ours only knows
    // the last poll.
    std::chrono::duration<double> took = Clock::now() - started;
    const uint64_t from = s.started_at > 0 ? s.started_at : s.created_at;
    if (from > 0 && s.finished_at > from) took = std::chrono::microseconds(s.finished_at - from);
    return {true, done_line(f, s.stored_name.empty() ? f.name : s.stored_name, took.count())};
}

} // namespace

std::string transfers_named(const std::vector<uint32_t>& ids) {
    std::string list;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) list += i + 1 == ids.size() ? " and " : ", ";
        list += std::to_string(ids[i]);
    }
    return (ids.size() == 1 ? "transfer " : "transfers ") + list;
}

int follow_transfers(BusClient& client, std::vector<Followed>& transfers, Clock::time_point started,
                     const DoneLine& done_line) {
    InterruptCatcher catcher;
    LiveBlock display(stderr, STDERR_FILENO);
    auto stop_waiting = [&]() {
        display.clear();
        std::vector<uint32_t> pending;
        for (const Followed& f : transfers)
            if (!f.finished) pending.push_back(f.transfer.id);
        std::fprintf(stderr, "streamctl: no longer waiting; %s %s on in streamd\n",
                     transfers_named(pending).c_str(), pending.size() == 1 ? "goes" : "go");
        catcher.die();
    };

    bool all_arrived = true;
    std::chrono::milliseconds wait = kFirstPoll;
    for (;;) {
        std::vector<Outcome> outcomes;
        for (Followed& f : transfers) {
            if (f.finished) continue;
            try {
                f.last = client.transfer_snapshot(f.transfer);
            } catch (const sdbus::Error& e) {
                if (catcher.interrupted()) stop_waiting();
                if (!is_unknown_transfer(e)) {
                    display.clear();
                    throw client.lost(e, f.transfer.id);
                }
                f.finished = true;
                outcomes.push_back(
                    {false, "streamctl: " + label(f) + " is no longer known to streamd"});
                continue;
            }
            if (is_finished(f.last.state)) {
                f.finished = true;
                outcomes.push_back(outcome_of(f, started, done_line));
            }
        }

        if (!outcomes.empty()) {
            display.clear();
            for (const Outcome& r : outcomes) {
                all_arrived = all_arrived && r.arrived;
                std::fprintf(r.arrived ? stdout : stderr, "%s\n", r.line.c_str());
                std::fflush(r.arrived ? stdout : stderr);
            }
        }

        std::vector<TransferSnapshot> pending;
        size_t name_column = 0;
        for (const Followed& f : transfers) {
            if (f.finished) continue;
            TransferSnapshot s = f.last;
            if (s.name.empty()) s.name = f.name;
            name_column = std::max(name_column, display_width(printable(s.name)));
            pending.push_back(std::move(s));
        }
        std::vector<std::string> lines;
        const size_t columns = terminal_columns(STDERR_FILENO);
        for (const TransferSnapshot& s : pending)
            lines.push_back(format_progress_line(s, columns, name_column));
        if (lines.empty()) return all_arrived ? 0 : 1;
        display.show(std::move(lines));

        if (!catcher.sleep(wait)) stop_waiting();
        wait = std::min(wait * 2, std::chrono::milliseconds(kPollInterval));
    }
}

} // namespace streamd::ctl

#include "send_command.hpp"

#include "bus_client.hpp"
#include "failure.hpp"
#include "interrupt_catcher.hpp"
#include "live_block.hpp"
#include "progress_line.hpp"
#include "send_source.hpp"
#include "send_summary.hpp"
#include "terminal_size.hpp"
#include "terminal_text.hpp"
#include "transfer_state.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace streamd::ctl {

namespace {

using Clock = std::chrono::steady_clock;

// Small files finish in milliseconds: look again soon at first, then settle at a
// pace that still redraws the progress lines smoothly.
constexpr auto kFirstPoll = std::chrono::milliseconds(5);
constexpr auto kPollInterval = std::chrono::milliseconds(200);

struct Outgoing {
    SendSource source; // its descriptors until the daemon has its own
    TransferRef transfer;
    TransferSnapshot last;
    bool finished = false;
};

// How one transfer ended: a line for standard output when it arrived, one for standard
// error when not.
struct Outcome {
    bool arrived;
    std::string line;
};

std::string label(const Outgoing& o) {
    return "transfer " + std::to_string(o.transfer.id) + " (" + printable(o.source.name) + ")";
}

// "transfer 3", "transfers 3 and 4", "transfers 3, 4 and 5".
std::string transfers_named(const std::vector<uint32_t>& ids) {
    std::string list;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) list += i + 1 == ids.size() ? " and " : ", ";
        list += std::to_string(ids[i]);
    }
    return (ids.size() == 1 ? "transfer " : "transfers ") + list;
}

std::vector<Outgoing> open_all(const SendRequest& request) {
    std::vector<Outgoing> files;
    for (const std::string& path : request.paths) {
        Outgoing o;
        o.source = open_send_source(path, request.name);
        files.push_back(std::move(o));
    }
    return files;
}

TransferRef queue(BusClient& client, SendSource& source, const std::string& destination,
                  const std::map<std::string, sdbus::Variant>& options) {
    if (!source.tree) return client.send(source.file, destination, options);
    auto with_skipped = options;
    if (!source.tree->skipped.empty()) {
        std::vector<sdbus::Struct<std::string, std::string>> skipped;
        for (const auto& s : source.tree->skipped)
            skipped.emplace_back(s.path, s.why);
        with_skipped["skipped"] = sdbus::Variant(skipped);
    }
    return client.send_tree(source.tree->folder, source.manifest, take_data_files(*source.tree),
                            destination, with_skipped);
}

void queue_all(BusClient& client, std::vector<Outgoing>& files, const SendRequest& request) {
    for (size_t i = 0; i < files.size(); ++i) {
        Outgoing& o = files[i];
        std::map<std::string, sdbus::Variant> options{{"name", sdbus::Variant(o.source.name)}};
        if (request.streams) options["streams"] = sdbus::Variant(*request.streams);
        if (request.chunk_size) options["chunk_size"] = sdbus::Variant(*request.chunk_size);
        if (request.max_rate) options["max_rate"] = sdbus::Variant(*request.max_rate);
        try {
            o.transfer = queue(client, o.source, request.destination, options);
        } catch (const Failure& e) {
            if (i == 0) throw;
            // All or nothing: the transfers queued before this one are taken back.
            std::vector<uint32_t> taken_back;
            for (size_t j = 0; j < i; ++j) {
                try {
                    client.cancel_transfer(files[j].transfer);
                    taken_back.push_back(files[j].transfer.id);
                } catch (const Failure&) {
                }
            }
            std::string what = "cannot queue '" + o.source.path + "': " + e.what();
            if (!taken_back.empty())
                what += "; canceled " + transfers_named(taken_back) + ", queued before it";
            throw Failure(what);
        }
        // The daemon has its own descriptors now.
        o.source.file.reset();
        o.source.tree.reset();
        o.source.manifest = {};
    }
}

Outcome outcome_of(const Outgoing& o, const std::string& destination, Clock::time_point started) {
    const TransferSnapshot& s = o.last;
    if (s.state != "done") {
        return {false, "streamctl: " + label(o) +
                           " failed: " + printable(s.error.empty() ? "no reason given" : s.error)};
    }
    // The daemon's own clock is exact, and counts from leaving the queue; ours only knows
    // the last poll.
    std::chrono::duration<double> took = Clock::now() - started;
    const uint64_t from = s.started_at > 0 ? s.started_at : s.created_at;
    if (from > 0 && s.finished_at > from) took = std::chrono::microseconds(s.finished_at - from);
    return {true, format_send_summary(o.source.name, destination,
                                      s.stored_name.empty() ? o.source.name : s.stored_name, s.size,
                                      took.count(), s.files)};
}

int follow(BusClient& client, std::vector<Outgoing>& files, const std::string& destination,
           Clock::time_point started) {
    InterruptCatcher catcher;
    LiveBlock display(stderr, STDERR_FILENO);
    auto stop_waiting = [&]() {
        display.clear();
        std::vector<uint32_t> pending;
        for (const Outgoing& o : files)
            if (!o.finished) pending.push_back(o.transfer.id);
        std::fprintf(stderr, "streamctl: no longer waiting; %s %s on in streamd\n",
                     transfers_named(pending).c_str(), pending.size() == 1 ? "goes" : "go");
        catcher.die();
    };

    bool all_arrived = true;
    std::chrono::milliseconds wait = kFirstPoll;
    for (;;) {
        std::vector<Outcome> outcomes;
        for (Outgoing& o : files) {
            if (o.finished) continue;
            try {
                o.last = client.transfer_snapshot(o.transfer);
            } catch (const sdbus::Error& e) {
                if (catcher.interrupted()) stop_waiting();
                if (!is_unknown_transfer(e)) {
                    display.clear();
                    throw client.lost(e, o.transfer.id);
                }
                o.finished = true;
                outcomes.push_back(
                    {false, "streamctl: " + label(o) + " is no longer known to streamd"});
                continue;
            }
            if (is_finished(o.last.state)) {
                o.finished = true;
                outcomes.push_back(outcome_of(o, destination, started));
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
        for (const Outgoing& o : files) {
            if (o.finished) continue;
            TransferSnapshot s = o.last;
            if (s.name.empty()) s.name = o.source.name;
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

} // namespace

int run_send(const SendRequest& request, BusKind bus) {
    // Every path is opened and checked before any is queued, so that a typo in the last
    // name does not leave the first files on their way.
    std::vector<Outgoing> files = open_all(request);
    for (const Outgoing& o : files)
        for (const std::string& line : skip_warnings(o.source))
            std::fprintf(stderr, "streamctl: %s\n", line.c_str());

    BusClient client(bus);
    const auto started = Clock::now();
    queue_all(client, files, request);

    if (!request.wait) {
        for (const Outgoing& o : files)
            std::printf("%u\n", o.transfer.id);
        return 0;
    }
    return follow(client, files, request.destination, started);
}

} // namespace streamd::ctl

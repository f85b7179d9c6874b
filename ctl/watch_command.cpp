#include "watch_command.hpp"

#include "bus_client.hpp"
#include "file_counts.hpp"
#include "interrupt_catcher.hpp"
#include "json_writer.hpp"
#include "live_block.hpp"
#include "output_style.hpp"
#include "screen_block.hpp"
#include "state_changes.hpp"
#include "terminal_text.hpp"
#include "transfer_json.hpp"
#include "transfer_state.hpp"
#include "transfer_status.hpp"
#include "transfer_table.hpp"

#include <chrono>
#include <cstdio>
#include <optional>
#include <unistd.h>

namespace streamd::ctl {

namespace {

// Four times a second: as often as the daemon updates its numbers.
constexpr auto kRefresh = std::chrono::milliseconds(250);

// What is shown where redrawing makes no sense: one line for each change, written at once
// so that a reader at the other end of a pipe sees it when it happens. An indented object
// spans several lines and ends with a newline of its own, so that jq reads the stream as
// a sequence of values.
void print_change(const TransferRow& row, std::optional<JsonStyle> json) {
    std::string line;
    if (json) {
        JsonWriter writer(*json);
        write_transfer_row(writer, row);
        line = writer.text();
    } else {
        line = format_state_change(row);
    }
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

int watch_all(BusClient& client, const WatchRequest& request) {
    InterruptCatcher catcher;
    LiveBlock view(stdout, STDOUT_FILENO);
    const bool live = view.enabled() && !request.json;
    const TableStyle style{.legend = request.legend, .colour = live && colour_on(STDOUT_FILENO)};
    StateChanges changes;
    FileCounts counts;
    while (!catcher.interrupted()) {
        std::vector<TransferRow> rows;
        try {
            rows = client.list_transfers();
        } catch (const Failure&) {
            view.keep();
            if (catcher.interrupted()) break;
            throw;
        }
        if (live) {
            counts.fill(rows, [&](TransferRow& r) { return client.fill_in(r, false); });
            view.show(split_lines(format_transfer_table(rows, style)));
        } else {
            for (TransferRow& row : changes.update(rows)) {
                // Only JSON shows them, and exactly as the object says at that moment.
                if (request.json) client.fill_in(row, false);
                print_change(row, request.json);
            }
        }
        if (!catcher.sleep(kRefresh)) break;
    }
    view.keep();
    // Without SA_RESTART, Ctrl-C during a redraw to a terminal that was not taking output
    // (Ctrl-S) fails the write with EINTR; that is how watching ends, not a lost output.
    if (live) std::clearerr(stdout);
    return 0;
}

int watch_one(BusClient& client, const WatchRequest& request, uint32_t id) {
    const TransferRef transfer = client.transfer_by_id(id);
    InterruptCatcher catcher;
    LiveBlock view(stdout, STDOUT_FILENO);
    const bool live = view.enabled() && !request.json;
    const bool colour = live && colour_on(STDOUT_FILENO);
    std::optional<std::string> last_state;
    for (;;) {
        TransferSnapshot s;
        try {
            s = client.transfer_snapshot(transfer);
        } catch (const sdbus::Error& e) {
            view.keep();
            if (catcher.interrupted()) catcher.die();
            if (!last_state && is_unknown_transfer(e))
                throw Failure("no transfer " + std::to_string(id));
            throw last_state ? client.lost(e, id) : client.failure(e);
        }
        if (live)
            view.show(split_lines(format_transfer_status(s, colour)));
        else if (s.state != last_state)
            print_change(to_row(s), request.json);
        last_state = s.state;

        if (is_finished(s.state)) {
            view.keep();
            if (s.state == "done") return 0;
            std::fprintf(stderr, "streamctl: transfer %u (%s) failed: %s\n", id,
                         printable(s.name).c_str(),
                         printable(s.error.empty() ? "no reason given" : s.error).c_str());
            return 1;
        }
        if (!catcher.sleep(kRefresh)) {
            view.keep();
            catcher.die();
        }
    }
}

} // namespace

int run_watch(const WatchRequest& request, BusKind bus) {
    BusClient client(bus);
    return request.id ? watch_one(client, request, *request.id) : watch_all(client, request);
}

} // namespace streamd::ctl

#include "transfer_status.hpp"

#include "key_value_lines.hpp"
#include "output_style.hpp"
#include "progress_line.hpp"
#include "size_units.hpp"
#include "terminal_text.hpp"
#include "timestamp.hpp"

#include <algorithm>

namespace streamd::ctl {

namespace {

// The longest key, "Encryption".
constexpr size_t kKeyWidth = 10;

} // namespace

std::string format_transfer_status(const TransferSnapshot& t, bool colour) {
    KeyValueLines lines;
    std::string transfer = std::to_string(t.id);
    if (!t.direction.empty()) transfer += " (" + printable(t.direction) + ")";
    lines.add("Transfer", transfer);
    lines.add("State", paint_state(t.state, printable(t.state), colour));
    if (!t.name.empty()) lines.add("Name", printable(t.name));
    if (!t.peer.empty()) lines.add("Peer", printable(t.peer));
    lines.add("Size", proto::format_size(t.size));
    lines.add("Progress", proto::format_size(std::min(t.bytes_done, t.size)) + " of " +
                              proto::format_size(t.size) + " (" +
                              std::to_string(percent_done(t.bytes_done, t.size)) + "%)");
    if (counts_files(t.files))
        lines.add("Files", std::to_string(std::min(t.files_done, t.files)) + " of " +
                               std::to_string(t.files));
    if (!t.skipped.empty())
        lines.add("Skipped", std::to_string(t.skipped.size()) +
                                 (t.skipped.size() == 1 ? " entry" : " entries") +
                                 " of the folder (--json lists them)");
    // Rate and time left are the daemon's while data moves and 0 otherwise.
    if (t.state == "running") {
        lines.add("Rate", format_rate(t.rate));
        if (t.eta > 0) lines.add("ETA", format_seconds_left(t.eta));
    }
    if (t.streams > 0) lines.add("Streams", std::to_string(t.streams));
    if (t.chunk_size > 0) lines.add("Chunk size", proto::format_size(t.chunk_size));
    if (t.max_rate > 0) lines.add("Rate limit", format_rate(t.max_rate));
    if (!t.encryption.empty()) lines.add("Encryption", printable(t.encryption));
    if (!t.stored_name.empty()) lines.add("Stored as", printable(t.stored_name));
    if (t.created_at > 0) lines.add("Created", format_timestamp(t.created_at));
    if (t.started_at > 0) lines.add("Started", format_timestamp(t.started_at));
    if (t.finished_at > 0) lines.add("Finished", format_timestamp(t.finished_at));
    if (!t.error.empty()) lines.add("Error", printable(t.error));
    return lines.text(kKeyWidth);
}

} // namespace streamd::ctl

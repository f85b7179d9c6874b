// The one-line progress display of a transfer being waited for.
#pragma once

#include "transfer_snapshot.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace streamd::ctl {

// "NAME  [#####-----]  45%  1.20 GiB / 2.66 GiB  512 MiB/s  ETA 0:03" while running, with
// "  8204/10100 files" after the bytes where counts_files(); before and after the data
// moves (queued, connecting, verifying), the state takes the place of rate and ETA. The
// result is at most `columns - 1` columns wide so that the terminal never wraps it, which
// would break redrawing it in place. Room permitting, the name is padded to `name_column`
// columns, so that the bars of several lines one above the other line up.
std::string format_progress_line(const TransferSnapshot& t, size_t columns, size_t name_column = 0);

// Whole percent done, 100 only when everything is.
unsigned percent_done(uint64_t bytes_done, uint64_t size);

// Time left at `rate` bytes per second: "0:07", "12:34", "1:02:03", or "--:--" when it
// cannot be told.
std::string format_eta(uint64_t bytes_left, uint64_t rate);

// A number of seconds left, as format_eta writes it.
std::string format_seconds_left(uint64_t seconds);

// Bytes per second for people: "512 MiB/s".
std::string format_rate(uint64_t bytes_per_second);

// Whether a transfer's files are counted wherever its bytes are shown: a folder's, even
// none, but not a single file, whose count would only repeat what its bytes say.
inline bool counts_files(uint32_t files) {
    return files != 1;
}

// Files done of all, never more: "8204/10100 files".
std::string format_files(uint32_t files_done, uint32_t files);

} // namespace streamd::ctl

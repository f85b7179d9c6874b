// The one-line progress display of a transfer being waited for.
#pragma once

#include "transfer_snapshot.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace streamd::ctl {

// "NAME  [#####-----]  45%  1.20 GiB / 2.66 GiB  512 MiB/s  ETA 0:03" while running; before
// and after the data moves, the state takes the place of rate and ETA. The result is at
// most `columns - 1` columns wide so that the terminal never wraps it, which would break
// redrawing it in place.
std::string format_progress_line(const TransferSnapshot& t, size_t columns);

// Whole percent done, 100 only when everything is.
unsigned percent_done(uint64_t bytes_done, uint64_t size);

// Time left at `rate` bytes per second: "0:07", "12:34", "1:02:03", or "--:--" when it
// cannot be told.
std::string format_eta(uint64_t bytes_left, uint64_t rate);

} // namespace streamd::ctl

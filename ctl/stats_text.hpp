// `streamctl stats` for people.
#pragma once

#include "daemon_stats.hpp"

#include <string>

namespace streamd::ctl {

// Right-aligned "Key: value" lines for the values the daemon gave; a line whose values are
// all missing is left out. Every line ends in '\n'; nothing known gives "".
std::string format_stats_text(const DaemonStats& stats);

} // namespace streamd::ctl

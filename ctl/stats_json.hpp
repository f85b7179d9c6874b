// `streamctl stats --json`: the daemon's totals for programs.
#pragma once

#include "daemon_stats.hpp"
#include "json_writer.hpp"

#include <string>

namespace streamd::ctl {

// One object with the keys bytes_in, bytes_out, transfers_done, transfers_failed,
// transfers_canceled, active_in, active_out, queued, rate_in, rate_out, max_active,
// keep_finished, started_at and version, each only when the daemon gave it. No trailing
// newline.
std::string format_stats_json(const DaemonStats& stats, JsonStyle style);

} // namespace streamd::ctl

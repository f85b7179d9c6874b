// `streamctl stats`: the daemon's totals and current rates.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Returns the exit status; throws Failure.
int run_stats(const StatsRequest& request, BusKind bus);

} // namespace streamd::ctl

// `streamctl watch`: follow transfers as they change.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Without an id: until Ctrl-C, then 0. With one: until that transfer ends, then 0 if it
// is done and 1 otherwise; Ctrl-C ends the process by SIGINT, since nothing is known about
// how the transfer ends. Throws Failure.
int run_watch(const WatchRequest& request, BusKind bus);

} // namespace streamd::ctl

// `streamctl list`: the daemon's transfers, for people or as JSON.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Returns the exit status; throws Failure.
int run_list(const ListRequest& request, BusKind bus);

} // namespace streamd::ctl

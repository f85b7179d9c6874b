// `streamctl status`: one transfer, or several, in detail.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Returns the exit status: 1 when any transfer is unknown. Throws Failure.
int run_status(const StatusRequest& request, BusKind bus);

} // namespace streamd::ctl

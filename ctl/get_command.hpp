// `streamctl get`: have streamd fetch a file or folder another streamd received and,
// unless told not to, see it through.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Returns the exit status; throws Failure.
int run_get(const GetRequest& request, BusKind bus);

} // namespace streamd::ctl

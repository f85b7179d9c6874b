// `streamctl send`: hand files and folders to streamd and, unless told not to, see them
// through.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Returns the exit status; throws Failure.
int run_send(const SendRequest& request, BusKind bus);

} // namespace streamd::ctl

// `streamctl cancel`: stop queued or running transfers.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Silent on success. Returns 1 when any transfer could not be canceled, after one line for
// each on standard error. Throws Failure when the bus cannot be reached at all.
int run_cancel(const CancelRequest& request, BusKind bus);

} // namespace streamd::ctl

// `streamctl reload`: make streamd re-read its configuration file.
#pragma once

#include "arguments.hpp"

namespace streamd::ctl {

// Silent on success; throws Failure "reload refused: MESSAGE".
int run_reload(const ReloadRequest& request, BusKind bus);

} // namespace streamd::ctl

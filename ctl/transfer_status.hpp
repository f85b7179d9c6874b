// `streamctl status` for people.
#pragma once

#include "transfer_snapshot.hpp"

#include <string>

namespace streamd::ctl {

// One "Key: value" line per property that means something in the transfer's state, keys
// right-aligned to the same column whichever lines are shown, so that several transfers
// read as one list. Every line ends in '\n'.
std::string format_transfer_status(const TransferSnapshot& t, bool colour);

} // namespace streamd::ctl

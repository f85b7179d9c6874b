// `streamctl list --json`: the same rows for programs.
#pragma once

#include "transfer_row.hpp"

#include <string>
#include <vector>

namespace streamd::ctl {

// A compact JSON array of objects with the keys id, direction, state, name, peer, size,
// bytes_done and path, without a trailing newline.
std::string format_transfer_json(const std::vector<TransferRow>& rows);

} // namespace streamd::ctl

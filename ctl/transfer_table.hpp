// `streamctl list` for people: aligned columns.
#pragma once

#include "transfer_row.hpp"

#include <string>
#include <vector>

namespace streamd::ctl {

// A header line "ID  DIR  STATE  NAME  PEER  SIZE  DONE" and one line per transfer, or
// "No transfers." when there are none. Every line ends in '\n'.
std::string format_transfer_table(const std::vector<TransferRow>& rows);

} // namespace streamd::ctl

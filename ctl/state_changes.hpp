// What `streamctl watch` reports when it cannot redraw: one line (or JSON object) each time a
// transfer shows up or changes state.
#pragma once

#include "transfer_row.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace streamd::ctl {

class StateChanges {
public:
    // The rows that were not there last time or whose state differs, in the order given.
    // Transfers that went away are forgotten, so that an id the daemon hands out again
    // (after a restart) is reported afresh.
    std::vector<TransferRow> update(const std::vector<TransferRow>& rows);

private:
    std::map<uint32_t, std::string> last_state_;
};

// "ID STATE NAME", then ": ERROR" when the transfer says why it failed. Made printable, one
// line, without a newline.
std::string format_state_change(const TransferRow& row);

} // namespace streamd::ctl

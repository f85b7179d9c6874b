// `streamctl list` for people: aligned columns.
#pragma once

#include "transfer_row.hpp"

#include <string>
#include <vector>

namespace streamd::ctl {

struct TableStyle {
    // The header line and the "N transfers listed." footer, or "No transfers." alone; off
    // with --no-legend so that scripts (and shell completion) get the rows alone.
    bool legend = true;
    // The state column in the state's colour.
    bool colour = false;
};

// Columns ID, DIR, STATE, NAME, PEER, SIZE, DONE (percent, after "8204/10100 files, " where
// counts_files()) and RATE, each as wide as its widest cell counted in terminal columns. Every line
// ends in '\n'; without rows and without a legend the result is empty.
std::string format_transfer_table(const std::vector<TransferRow>& rows,
                                  const TableStyle& style = {});

} // namespace streamd::ctl

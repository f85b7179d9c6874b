// Draws the progress line on stderr, redrawn in place, when stderr is a terminal.
#pragma once

#include "transfer_snapshot.hpp"

namespace streamd::ctl {

class ProgressDisplay {
public:
    ProgressDisplay();
    ProgressDisplay(const ProgressDisplay&) = delete;
    ProgressDisplay& operator=(const ProgressDisplay&) = delete;
    // Leaves the terminal clean however the wait ends.
    ~ProgressDisplay() { clear(); }

    void show(const TransferSnapshot& t);
    // Removes the line, so that what is printed next starts on a clean line.
    void clear();

private:
    bool enabled_;
    bool drawn_ = false;
};

} // namespace streamd::ctl

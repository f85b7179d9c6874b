// Files and FilesDone for the live table of `watch`. ListTransfers does not carry them, and
// asking every transfer's object four times a second would cost a call for each row; yet
// Files never changes, and nothing does once a transfer has ended.
#pragma once

#include "transfer_row.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace streamd::ctl {

class FileCounts {
public:
    // Fills in the files and files_done of one row from its transfer's object; false when
    // they cannot be read (the transfer is gone).
    using Ask = std::function<bool(TransferRow&)>;

    // Fills in every row: from what was read before where that still holds, else by `ask`.
    // Only the folders on their way are asked again each time. A single file's files_done
    // is told by its state, as the table shows no count for it.
    void fill(std::vector<TransferRow>& rows, const Ask& ask);

private:
    struct Known {
        // What sets the transfer apart from another under the same path, as after the
        // daemon restarted and counts its ids from 1 again.
        std::string direction;
        std::string name;
        std::string peer;
        uint64_t size = 0;
        uint32_t files = 1;
        uint32_t files_done = 0;
        bool finished = false; // read once the transfer had ended: it holds for good
    };

    static bool same_transfer(const Known& k, const TransferRow& r);

    std::map<std::string, Known> known_; // by object path
};

} // namespace streamd::ctl

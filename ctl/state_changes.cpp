#include "state_changes.hpp"

#include "terminal_text.hpp"

namespace streamd::ctl {

std::vector<TransferRow> StateChanges::update(const std::vector<TransferRow>& rows) {
    std::vector<TransferRow> changed;
    std::map<uint32_t, std::string> now;
    for (const TransferRow& r : rows) {
        const auto it = last_state_.find(r.id);
        if (it == last_state_.end() || it->second != r.state) changed.push_back(r);
        now[r.id] = r.state;
    }
    last_state_ = std::move(now);
    return changed;
}

std::string format_state_change(const TransferRow& row) {
    std::string line =
        std::to_string(row.id) + " " + printable(row.state) + " " + printable(row.name);
    if (!row.error.empty()) line += ": " + printable(row.error);
    return line;
}

} // namespace streamd::ctl

#include "file_counts.hpp"

#include "transfer_state.hpp"

namespace streamd::ctl {

bool FileCounts::same_transfer(const Known& k, const TransferRow& r) {
    // A transfer only moves forward: one that had ended and now has not is another.
    return k.direction == r.direction && k.name == r.name && k.peer == r.peer && k.size == r.size &&
           (!k.finished || is_finished(r.state));
}

void FileCounts::fill(std::vector<TransferRow>& rows, const Ask& ask) {
    // Rebuilt each time, so that transfers no longer listed are forgotten.
    std::map<std::string, Known> now;
    for (TransferRow& r : rows) {
        const auto it = known_.find(r.path);
        if (it != known_.end() && same_transfer(it->second, r)) {
            const Known& k = it->second;
            if (k.files == 1 || k.finished) {
                r.files = k.files;
                r.files_done = k.files == 1 ? files_done_by_state(r.state, 1) : k.files_done;
                now.emplace(r.path, k);
                continue;
            }
        }
        if (!ask(r)) continue; // asked again next time
        now.insert_or_assign(r.path, Known{r.direction, r.name, r.peer, r.size, r.files,
                                           r.files_done, is_finished(r.state)});
    }
    known_ = std::move(now);
}

} // namespace streamd::ctl

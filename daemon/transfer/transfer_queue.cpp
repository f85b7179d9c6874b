#include "transfer/transfer_queue.hpp"

#include <algorithm>

namespace streamd {

bool TransferQueue::remove(uint32_t id) {
    auto it = std::find_if(waiting_.begin(), waiting_.end(),
                           [&](const auto& t) { return t->id() == id; });
    if (it == waiting_.end()) return false;
    waiting_.erase(it);
    return true;
}

std::vector<std::shared_ptr<OutgoingTransfer>> TransferQueue::take_startable(unsigned max_active) {
    std::vector<std::shared_ptr<OutgoingTransfer>> out;
    while (!waiting_.empty() && active_.size() < max_active) {
        auto t = std::move(waiting_.front());
        waiting_.pop_front();
        // One that ended while it waited (canceled) needs no slot.
        if (t->finished()) continue;
        active_.insert(t->id());
        out.push_back(std::move(t));
    }
    return out;
}

} // namespace streamd

// Outgoing transfers waiting for a slot: at most max_active run at once, the others
// wait in the order they were sent. Used by the control thread only.
#pragma once

#include "transfer/outgoing_transfer.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <vector>

namespace streamd {

class TransferQueue {
public:
    void push(std::shared_ptr<OutgoingTransfer> t) { waiting_.push_back(std::move(t)); }
    // Takes a waiting transfer out of the queue; false when it is not waiting.
    bool remove(uint32_t id);
    // A transfer that held a slot has ended (any other id is ignored).
    void ended(uint32_t id) { active_.erase(id); }
    // The transfers that may start now, oldest first; each holds a slot from here on.
    std::vector<std::shared_ptr<OutgoingTransfer>> take_startable(unsigned max_active);

    size_t waiting() const { return waiting_.size(); }
    size_t active() const { return active_.size(); }

private:
    std::deque<std::shared_ptr<OutgoingTransfer>> waiting_;
    std::set<uint32_t> active_;
};

} // namespace streamd

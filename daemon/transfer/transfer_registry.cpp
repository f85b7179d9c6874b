#include "transfer/transfer_registry.hpp"

namespace streamd {

void TransferRegistry::add(std::shared_ptr<Transfer> t) {
    std::lock_guard lock(mutex_);
    by_id_.emplace(t->id(), std::move(t));
}

bool TransferRegistry::add_incoming(const proto::TransferId& wire_id,
                                    std::shared_ptr<IncomingTransfer> t) {
    std::lock_guard lock(mutex_);
    if (!incoming_.emplace(wire_id, t).second) return false;
    by_id_.emplace(t->id(), std::move(t));
    return true;
}

std::shared_ptr<IncomingTransfer>
TransferRegistry::find_incoming(const proto::TransferId& wire_id) const {
    std::lock_guard lock(mutex_);
    auto it = incoming_.find(wire_id);
    return it == incoming_.end() ? nullptr : it->second;
}

void TransferRegistry::forget_incoming(const proto::TransferId& wire_id) {
    std::lock_guard lock(mutex_);
    incoming_.erase(wire_id);
}

size_t TransferRegistry::incoming_count() const {
    std::lock_guard lock(mutex_);
    return incoming_.size();
}

std::shared_ptr<Transfer> TransferRegistry::get(uint32_t id) const {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Transfer>> TransferRegistry::all() const {
    std::lock_guard lock(mutex_);
    std::vector<std::shared_ptr<Transfer>> v;
    v.reserve(by_id_.size());
    for (const auto& [id, t] : by_id_)
        v.push_back(t);
    return v;
}

void TransferRegistry::remove(uint32_t id) {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) return;
    removed_.count(*it->second);
    by_id_.erase(it);
}

TransferStats TransferRegistry::stats() const {
    std::lock_guard lock(mutex_);
    TransferStats stats = removed_;
    for (const auto& [id, t] : by_id_)
        stats.count(*t);
    return stats;
}

} // namespace streamd

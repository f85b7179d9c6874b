#include "transfer/pull_requests.hpp"

#include "engine/random_bytes.hpp"

namespace streamd {

proto::TransferId PullRequests::add(Done done) {
    proto::TransferId id{};
    random_bytes(id);
    std::lock_guard lock(mutex_);
    pending_.emplace(id, Pending{std::move(done), std::nullopt});
    return id;
}

void PullRequests::accepted(const proto::TransferId& id, Clock::time_point deadline) {
    std::lock_guard lock(mutex_);
    if (auto it = pending_.find(id); it != pending_.end()) it->second.deadline = deadline;
}

std::optional<PullRequests::Done> PullRequests::take(const proto::TransferId& id) {
    std::lock_guard lock(mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return std::nullopt;
    Done done = std::move(it->second.done);
    pending_.erase(it);
    return done;
}

std::vector<PullRequests::Done> PullRequests::take_overdue(Clock::time_point now) {
    std::vector<Done> overdue;
    std::lock_guard lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.deadline && *it->second.deadline <= now) {
            overdue.push_back(std::move(it->second.done));
            it = pending_.erase(it);
        } else {
            ++it;
        }
    }
    return overdue;
}

} // namespace streamd

// What this daemon asked peers for (docs/PROTOCOL.md, Fetching), by the transfer id it
// chose, until the peer's OFFER of it arrives here or the asking is given up. Any thread.
#pragma once

#include "native_frames.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

class PullRequests {
public:
    using Clock = std::chrono::steady_clock;
    // Called once, on the control thread: the local id of the transfer that arrived, or
    // 0 and why nothing did.
    using Done = std::function<void(uint32_t id, const std::string& error)>;

    // A new request, under a transfer id of its own.
    proto::TransferId add(Done done);
    // The peer agreed to send: its OFFER is due by `deadline`.
    void accepted(const proto::TransferId& id, Clock::time_point deadline);
    // The request, taken out: its OFFER arrived, or the peer said no. nullopt when it is
    // no request (any more).
    std::optional<Done> take(const proto::TransferId& id);
    // The requests whose OFFER is overdue, taken out.
    std::vector<Done> take_overdue(Clock::time_point now);

private:
    struct Pending {
        Done done;
        std::optional<Clock::time_point> deadline;
    };
    std::mutex mutex_;
    std::map<proto::TransferId, Pending> pending_;
};

} // namespace streamd

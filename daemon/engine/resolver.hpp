// Host name lookups off the event loop: getaddrinfo blocks for as long as DNS takes,
// and the control thread must keep answering the bus meanwhile.
#pragma once

#include "engine/destination.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

namespace streamd {

class Resolver {
public:
    // Called on the resolver's thread: the addresses, or an empty list and why.
    using Done = std::function<void(std::vector<PeerAddress> addresses, std::string error)>;

    Resolver();
    // Waits for a lookup in progress; the ones still waiting are dropped.
    ~Resolver();
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    void resolve(Destination destination, Done done);

private:
    void run(std::stop_token stop);

    std::mutex mutex_;
    std::condition_variable_any wake_;
    std::deque<std::pair<Destination, Done>> jobs_;
    std::jthread thread_; // last: starts once the members above exist
};

} // namespace streamd

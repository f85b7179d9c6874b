// The count of connections ([limits] max_connections in all, max_connections_per_address
// from one address, an IPv6 peer's /64 counting as one), and each connection's place in
// it. A place moves with the socket when one kind of connection hands the socket to
// another, so it is given back exactly once, whichever of them ends last.
//
// When the daemon holds max_connections, a new connection takes the place of the oldest
// one that has not finished its handshake (sent its OFFER, JOIN or first HTTP request):
// that one is shed. Connections that are doing their work are never shed; when every one
// is, the new connection is refused.
#pragma once

#include "config/live_settings.hpp"

#include <atomic>
#include <functional>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <utility>

namespace streamd {

class Admission;

// What connections from `addr` count against: the address, or for IPv6 its /64
// ("2001:db8:1:2::/64"), since one subnet hands its host any number of addresses.
std::string admission_group(const sockaddr* addr);

class AdmissionCounter {
public:
    explicit AdmissionCounter(const LiveSettings& settings) : settings_(settings) {}

    // Any thread. A place for one more connection from `group` (admission_group), or
    // nothing, with `why` set, when that group holds all it may or the daemon holds
    // max_connections that have all finished their handshake. `wake` is called, on any
    // thread, when this connection is to be shed: its owner then looks at shed().
    std::optional<Admission> admit(std::string group, std::string& why,
                                   std::function<void()> wake = {});

private:
    friend class Admission;
    struct Place {
        std::string group;
        std::function<void()> wake;
        bool settled = false;
        std::atomic<bool> shed{false};
    };
    using Places = std::list<Place>;
    void release(Places::iterator place);
    void settle(Places::iterator place);

    const LiveSettings& settings_;
    std::mutex mutex_;
    std::map<std::string, unsigned> by_group_;
    Places places_; // oldest first
};

class Admission {
public:
    Admission() = default;
    Admission(Admission&& o) noexcept
        : counter_(std::exchange(o.counter_, nullptr)), place_(o.place_) {}
    Admission& operator=(Admission&& o) noexcept {
        if (this != &o) {
            give_back();
            counter_ = std::exchange(o.counter_, nullptr);
            place_ = o.place_;
        }
        return *this;
    }
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    ~Admission() { give_back(); }

    // The address or /64 it counts against; empty for none.
    std::string host() const { return counter_ ? place_->group : std::string(); }
    // The handshake is done: from now on this connection is not shed.
    void settle() {
        if (counter_) counter_->settle(place_);
    }
    // Whether it is to be closed to make room for a newer one; any thread.
    bool shed() const { return counter_ && place_->shed.load(std::memory_order_relaxed); }

private:
    friend class AdmissionCounter;
    Admission(AdmissionCounter& counter, AdmissionCounter::Places::iterator place)
        : counter_(&counter), place_(place) {}
    void give_back() noexcept {
        if (auto* c = std::exchange(counter_, nullptr)) c->release(place_);
    }

    AdmissionCounter* counter_ = nullptr;
    AdmissionCounter::Places::iterator place_{};
};

} // namespace streamd

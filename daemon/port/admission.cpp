#include "port/admission.hpp"

#include "engine/destination.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>

namespace streamd {

std::string admission_group(const sockaddr* addr) {
    if (addr->sa_family != AF_INET6) return format_host(addr);
    in6_addr prefix = reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(&prefix)) return format_host(addr);
    std::memset(&prefix.s6_addr[8], 0, 8);
    char text[INET6_ADDRSTRLEN] = "?";
    ::inet_ntop(AF_INET6, &prefix, text, sizeof text);
    return std::string(text) + "/64";
}

std::optional<Admission> AdmissionCounter::admit(std::string group, std::string& why,
                                                 std::function<void()> wake) {
    const Config::Limits limits = settings_.limits();
    std::function<void()> shed_wake;
    Places::iterator place;
    {
        std::lock_guard lock(mutex_);
        unsigned& n = by_group_[group];
        if (limits.max_connections_per_address != 0 && n >= limits.max_connections_per_address) {
            why = "it holds " + std::to_string(n) + " already";
            return std::nullopt;
        }
        if (limits.max_connections != 0 && places_.size() >= limits.max_connections) {
            // Shed ones still count until they are gone: only as many are shed as are over.
            const auto shedding = std::count_if(places_.begin(), places_.end(), [](const Place& p) {
                return p.shed.load(std::memory_order_relaxed);
            });
            const auto oldest = std::find_if(places_.begin(), places_.end(), [](const Place& p) {
                return !p.settled && !p.shed.load(std::memory_order_relaxed);
            });
            if (places_.size() - static_cast<size_t>(shedding) >= limits.max_connections) {
                if (oldest == places_.end()) {
                    if (n == 0) by_group_.erase(group);
                    why = "the daemon holds " + std::to_string(places_.size()) +
                          " connections ([limits] max_connections), all of them at work";
                    return std::nullopt;
                }
                oldest->shed.store(true, std::memory_order_relaxed);
                shed_wake = oldest->wake;
            }
        }
        ++n;
        place = places_.emplace(places_.end());
        place->group = std::move(group);
        place->wake = std::move(wake);
    }
    // Outside the lock: the owner may take it to look at its place.
    if (shed_wake) shed_wake();
    return Admission(*this, place);
}

void AdmissionCounter::settle(Places::iterator place) {
    std::lock_guard lock(mutex_);
    place->settled = true;
}

void AdmissionCounter::release(Places::iterator place) {
    std::lock_guard lock(mutex_);
    auto it = by_group_.find(place->group);
    if (it != by_group_.end() && --it->second == 0) by_group_.erase(it);
    places_.erase(place);
}

} // namespace streamd

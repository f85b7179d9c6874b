#include "port/admission.hpp"

namespace streamd {

std::optional<Admission> AdmissionCounter::admit(std::string host) {
    const unsigned most = settings_.limits().max_connections_per_address;
    {
        std::lock_guard lock(mutex_);
        unsigned& n = by_host_[host];
        if (most != 0 && n >= most) return std::nullopt;
        ++n;
    }
    // Made outside the lock: an Admission gives its place back under it.
    return Admission(*this, std::move(host));
}

void AdmissionCounter::release(const std::string& host) {
    std::lock_guard lock(mutex_);
    auto it = by_host_.find(host);
    if (it != by_host_.end() && --it->second == 0) by_host_.erase(it);
}

} // namespace streamd

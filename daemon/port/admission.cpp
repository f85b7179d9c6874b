#include "port/admission.hpp"

#include "daemon.hpp"

namespace streamd {

void Admission::give_back() noexcept {
    if (auto* d = std::exchange(daemon_, nullptr)) d->release(host_);
}

} // namespace streamd

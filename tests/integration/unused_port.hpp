#pragma once

#include <cstdint>

namespace streamd::it {

// A free port on 127.0.0.1: bound by the kernel's choice, then released. Nothing listens on it
// afterwards, so connecting there is refused.
std::uint16_t unused_port();

} // namespace streamd::it

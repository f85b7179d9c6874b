#pragma once

#include <optional>
#include <string>

namespace streamd::it {

// An IPv4 address of this machine that is not loopback, if it has one. A connection from this
// machine to it comes from that address too, which is how tests play a peer off loopback.
std::optional<std::string> non_loopback_address();

} // namespace streamd::it

// Which Host fields a web interface for loopback clients answers. A page from anywhere can
// make a browser send requests to 127.0.0.1, and with a name of its own that it points at
// 127.0.0.1 (DNS rebinding) it can read the answers too; such requests still carry that
// name in Host, so only addresses and "localhost" are accepted.
#pragma once

#include <string_view>

namespace streamd::proto::http {

// An IPv4 or bracketed IPv6 literal, "localhost" or a name under ".localhost" (RFC 6761),
// with or without a port.
bool is_local_authority(std::string_view host);

} // namespace streamd::proto::http

// "HOST[:PORT]" as users write it, and its resolution to a socket address.
#pragma once

#include <cstdint>
#include <netinet/in.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <vector>

namespace streamd {

struct PeerAddress {
    sockaddr_storage addr{};
    socklen_t length = 0;
};

struct Destination {
    std::string host;
    uint16_t port = 0;
    // "host:port", with brackets around IPv6 literals.
    std::string to_string() const;
};

// Accepts "host", "host:port", "[v6]", "[v6]:port" and a bare IPv6 literal.
// Throws std::invalid_argument with a one-line reason.
Destination parse_destination(std::string_view text, uint16_t default_port);

class UnknownHost : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Blocking name lookup: every address, in the resolver's order; throws UnknownHost.
std::vector<PeerAddress> resolve(const Destination& d);

// "address:port" of a socket address, brackets around IPv6.
std::string format_address(const sockaddr* addr);
// The address alone, IPv4-mapped IPv6 shown as IPv4.
std::string format_host(const sockaddr* addr);
bool is_loopback(const sockaddr* addr);

} // namespace streamd

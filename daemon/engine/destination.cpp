#include "engine/destination.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <netdb.h>

namespace streamd {

std::string Destination::to_string() const {
    bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Destination parse_destination(std::string_view text, uint16_t default_port) {
    auto bad = [&](const std::string& why) {
        return std::invalid_argument("invalid destination '" + std::string(text) + "': " + why);
    };
    Destination d{std::string(text), default_port};
    std::string_view port;
    if (text.starts_with('[')) {
        auto close = text.find(']');
        if (close == std::string_view::npos) throw bad("missing ']'");
        d.host = std::string(text.substr(1, close - 1));
        auto rest = text.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') throw bad("expected ':' after ']'");
            port = rest.substr(1);
            if (port.empty()) throw bad("empty port");
        }
    } else if (auto colon = text.find(':'); colon != std::string_view::npos &&
                                            text.find(':', colon + 1) == std::string_view::npos) {
        d.host = std::string(text.substr(0, colon));
        port = text.substr(colon + 1);
        if (port.empty()) throw bad("empty port");
    }
    if (d.host.empty()) throw bad("empty host");
    for (char c : d.host)
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '/')
            throw bad("the host contains spaces, '/' or control characters");
    if (!port.empty()) {
        unsigned value = 0;
        auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
            throw bad("port must be a number from 1 to 65535");
        d.port = static_cast<uint16_t>(value);
    }
    return d;
}

std::vector<PeerAddress> resolve(const Destination& d) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* res = nullptr;
    int rc = ::getaddrinfo(d.host.c_str(), nullptr, &hints, &res);
    if (rc != 0 || !res) {
        throw UnknownHost("unknown host '" + d.host +
                          "': " + (rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc)));
    }
    std::vector<PeerAddress> out;
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
        PeerAddress p;
        std::memcpy(&p.addr, ai->ai_addr, ai->ai_addrlen);
        p.length = ai->ai_addrlen;
        if (p.addr.ss_family == AF_INET6)
            reinterpret_cast<sockaddr_in6*>(&p.addr)->sin6_port = htons(d.port);
        else
            reinterpret_cast<sockaddr_in*>(&p.addr)->sin_port = htons(d.port);
        out.push_back(p);
    }
    ::freeaddrinfo(res);
    return out;
}

std::string format_host(const sockaddr* addr) {
    char buf[INET6_ADDRSTRLEN] = "?";
    if (addr->sa_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
            ::inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], buf, sizeof buf);
        else
            ::inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
    } else {
        ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, buf,
                    sizeof buf);
    }
    return buf;
}

std::string format_address(const sockaddr* addr) {
    std::string host = format_host(addr);
    if (addr->sa_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
        std::string port = std::to_string(ntohs(a->sin6_port));
        return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) ? host + ":" + port : "[" + host + "]:" + port;
    }
    return host + ":" + std::to_string(ntohs(reinterpret_cast<const sockaddr_in*>(addr)->sin_port));
}

bool is_loopback(const sockaddr* addr) {
    if (addr->sa_family == AF_INET6) {
        auto* a = reinterpret_cast<const sockaddr_in6*>(addr);
        if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) return a->sin6_addr.s6_addr[12] == 127;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    if (addr->sa_family == AF_INET)
        return (ntohl(reinterpret_cast<const sockaddr_in*>(addr)->sin_addr.s_addr) >> 24) == 127;
    return false;
}

} // namespace streamd

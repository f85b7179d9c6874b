#include "http_host.hpp"

#include "http_request.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string>

namespace streamd::proto::http {

namespace {

bool is_port(std::string_view s) {
    if (s.empty() || s.size() > 5) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

} // namespace

bool is_local_authority(std::string_view host) {
    std::string_view name = host;
    if (host.starts_with('[')) {
        size_t close = host.find(']');
        if (close == std::string_view::npos) return false;
        std::string_view after = host.substr(close + 1);
        if (!after.empty() && !(after.front() == ':' && is_port(after.substr(1)))) return false;
        std::string literal(host.substr(1, close - 1));
        in6_addr v6{};
        return ::inet_pton(AF_INET6, literal.c_str(), &v6) == 1;
    }
    if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
        if (!is_port(host.substr(colon + 1))) return false;
        name = host.substr(0, colon);
    }
    if (equal_ignoring_case(name, "localhost")) return true;
    constexpr std::string_view kLocalDomain = ".localhost";
    if (name.size() > kLocalDomain.size() &&
        equal_ignoring_case(name.substr(name.size() - kLocalDomain.size()), kLocalDomain))
        return true;
    std::string literal(name);
    in_addr v4{};
    return ::inet_pton(AF_INET, literal.c_str(), &v4) == 1;
}

} // namespace streamd::proto::http

#include "http_target.hpp"

#include <cstdint>

namespace streamd::proto::http {

namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (s.size() - i < 3) return std::nullopt;
            int hi = hex_value(s[i + 1]);
            int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            auto byte = static_cast<char>(hi * 16 + lo);
            if (byte == '\0') return std::nullopt;
            out.push_back(byte);
            i += 2;
        } else if (c == '\0') {
            return std::nullopt;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

} // namespace

TargetParts split_target(std::string_view target) {
    std::string_view rest = target;
    if (!target.empty() && target.front() != '/' && target != "*") {
        // absolute-form: the authority ends at the first "/" or "?" after "scheme://".
        size_t scheme_end = target.find("://");
        size_t authority = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
        size_t path = target.find_first_of("/?", authority);
        rest = path == std::string_view::npos ? std::string_view() : target.substr(path);
    }
    size_t question = rest.find('?');
    std::string_view path = rest.substr(0, question);
    std::string_view query =
        question == std::string_view::npos ? std::string_view() : rest.substr(question + 1);
    if (path.empty()) path = "/";
    return {path, query};
}

std::string percent_encode(std::string_view component) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char ch : component) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                                (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
                                c == '~';
        if (unreserved) {
            out += ch;
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        }
    }
    return out;
}

std::optional<std::string> percent_decode(std::string_view component) {
    return decode(component, false);
}

std::optional<std::vector<QueryParameter>> parse_query(std::string_view query) {
    std::vector<QueryParameter> parameters;
    size_t start = 0;
    while (start <= query.size()) {
        size_t amp = query.find('&', start);
        std::string_view pair = query.substr(
            start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
        if (!pair.empty()) {
            size_t eq = pair.find('=');
            auto name = decode(pair.substr(0, eq), true);
            auto value = decode(
                eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
            if (!name || !value) return std::nullopt;
            parameters.push_back({std::move(*name), std::move(*value)});
        }
        if (amp == std::string_view::npos) break;
        start = amp + 1;
    }
    return parameters;
}

} // namespace streamd::proto::http

#include "tus_headers.hpp"

namespace streamd::proto::tus {

namespace {

constexpr uint64_t kMaxSize = (uint64_t{1} << 63) - 1;

bool is_key_char(char c) {
    return c > ' ' && c < 0x7F && c != ',';
}

// `field` split at `separator`, empty pieces kept.
std::vector<std::string_view> split(std::string_view field, char separator) {
    std::vector<std::string_view> pieces;
    for (;;) {
        const size_t at = field.find(separator);
        pieces.push_back(field.substr(0, at));
        if (at == std::string_view::npos) return pieces;
        field.remove_prefix(at + 1);
    }
}

} // namespace

std::optional<uint64_t> parse_size(std::string_view field) {
    if (field.empty() || field.size() > 19) return std::nullopt;
    uint64_t value = 0;
    for (char c : field) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<uint64_t>(c - '0');
    }
    if (value > kMaxSize) return std::nullopt;
    return value;
}

std::optional<std::map<std::string, std::string>> parse_metadata(std::string_view field) {
    std::map<std::string, std::string> pairs;
    if (field.empty()) return pairs;
    for (std::string_view pair : split(field, ',')) {
        // Clients put a space after the comma now and then.
        while (pair.starts_with(' '))
            pair.remove_prefix(1);
        const size_t space = pair.find(' ');
        const std::string_view key = pair.substr(0, space);
        if (key.empty()) return std::nullopt;
        for (char c : key)
            if (!is_key_char(c)) return std::nullopt;
        std::string value;
        if (space != std::string_view::npos) {
            auto decoded = base64_decode(pair.substr(space + 1));
            if (!decoded) return std::nullopt;
            value.assign(decoded->begin(), decoded->end());
        }
        if (!pairs.emplace(std::string(key), std::move(value)).second) return std::nullopt;
    }
    return pairs;
}

std::optional<Checksum> parse_checksum(std::string_view field) {
    const size_t space = field.find(' ');
    if (space == 0 || space == std::string_view::npos) return std::nullopt;
    Checksum c;
    c.algorithm = field.substr(0, space);
    for (char ch : c.algorithm)
        if (!is_key_char(ch)) return std::nullopt;
    auto digest = base64_decode(field.substr(space + 1));
    if (!digest || digest->empty()) return std::nullopt;
    c.digest = std::move(*digest);
    return c;
}

std::optional<Concat> parse_concat(std::string_view field) {
    if (field == "partial") return Concat{};
    constexpr std::string_view kFinal = "final;";
    if (!field.starts_with(kFinal)) return std::nullopt;
    Concat c;
    c.final = true;
    for (std::string_view url : split(field.substr(kFinal.size()), ' ')) {
        if (url.empty()) continue;
        c.parts.emplace_back(url);
    }
    if (c.parts.empty()) return std::nullopt;
    return c;
}

} // namespace streamd::proto::tus

#include "tus_headers.hpp"

#include <algorithm>
#include <array>

namespace streamd::proto::tus {

namespace {

constexpr uint64_t kMaxSize = (uint64_t{1} << 63) - 1;

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

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

std::string base64_encode(std::string_view bytes) {
    constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (size_t i = 0; i < bytes.size(); i += 3) {
        const size_t n = std::min<size_t>(3, bytes.size() - i);
        uint32_t bits = 0;
        for (size_t j = 0; j < 3; ++j)
            bits = bits << 8 | (j < n ? static_cast<uint8_t>(bytes[i + j]) : 0u);
        for (size_t j = 0; j < 4; ++j)
            out.push_back(j <= n ? kAlphabet[bits >> (18 - 6 * j) & 0x3F] : '=');
    }
    return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::vector<uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> v{};
        size_t padding = 0;
        for (size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            // Padding only at the very end, and at most two.
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++padding;
                continue;
            }
            if (padding > 0) return std::nullopt;
            v[j] = base64_value(c);
            if (v[j] < 0) return std::nullopt;
        }
        const uint32_t bits = static_cast<uint32_t>(v[0]) << 18 |
                              static_cast<uint32_t>(v[1]) << 12 | static_cast<uint32_t>(v[2]) << 6 |
                              static_cast<uint32_t>(v[3]);
        // Bits the padding leaves over must be zero, so that each text has one meaning.
        if ((padding == 1 && (bits & 0xFF) != 0) || (padding == 2 && (bits & 0xFFFF) != 0))
            return std::nullopt;
        out.push_back(static_cast<uint8_t>(bits >> 16));
        if (padding < 2) out.push_back(static_cast<uint8_t>(bits >> 8));
        if (padding < 1) out.push_back(static_cast<uint8_t>(bits));
    }
    return out;
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

#include "base64.hpp"

#include <algorithm>
#include <array>

namespace streamd::proto {

namespace {

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

} // namespace

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

} // namespace streamd::proto

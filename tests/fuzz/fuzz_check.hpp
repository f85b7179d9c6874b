// Shared by the fuzzers: a failed invariant aborts with a message, so that libFuzzer keeps
// the input that broke it; and the file name rules of docs/PROTOCOL.md, written out again
// independently of proto/file_name.cpp so that the two can be compared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace streamd::fuzz {

[[noreturn]] inline void violated(const char* what, const char* file, int line) {
    std::fprintf(stderr, "%s:%d: invariant violated: %s\n", file, line, what);
    std::abort();
}

// Unlike assert, independent of NDEBUG.
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) ::streamd::fuzz::violated(#condition, __FILE__, __LINE__);               \
    } while (0)

// RFC 3629, table 6 ("UTF8-octets"), one well-formed sequence at a time.
inline bool well_formed_utf8(std::string_view s) {
    auto in = [](uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; };
    size_t i = 0;
    while (i < s.size()) {
        auto b = [&](size_t k) { return static_cast<uint8_t>(s[i + k]); };
        size_t left = s.size() - i;
        if (b(0) <= 0x7F) {
            i += 1;
        } else if (in(b(0), 0xC2, 0xDF)) {
            if (left < 2 || !in(b(1), 0x80, 0xBF)) return false;
            i += 2;
        } else if (in(b(0), 0xE0, 0xEF)) {
            uint8_t lo = b(0) == 0xE0 ? 0xA0 : 0x80;
            uint8_t hi = b(0) == 0xED ? 0x9F : 0xBF;
            if (left < 3 || !in(b(1), lo, hi) || !in(b(2), 0x80, 0xBF)) return false;
            i += 3;
        } else if (in(b(0), 0xF0, 0xF4)) {
            uint8_t lo = b(0) == 0xF0 ? 0x90 : 0x80;
            uint8_t hi = b(0) == 0xF4 ? 0x8F : 0xBF;
            if (left < 4 || !in(b(1), lo, hi) || !in(b(2), 0x80, 0xBF) || !in(b(3), 0x80, 0xBF))
                return false;
            i += 4;
        } else {
            return false;
        }
    }
    return true;
}

// A bare file name as PROTOCOL.md ("OFFER") defines it: 1 to 255 bytes of UTF-8, no '/',
// no NUL or other control byte, not "." or "..", not one of the receiver's partial files.
inline bool safe_bare_name(std::string_view name) {
    if (name.empty() || name.size() > 255) return false;
    if (name == "." || name == "..") return false;
    for (char c : name) {
        auto b = static_cast<uint8_t>(c);
        if (c == '/' || b < 0x20 || b == 0x7F) return false;
    }
    if (name.substr(0, 9) == ".streamd-") return false;
    return well_formed_utf8(name);
}

} // namespace streamd::fuzz

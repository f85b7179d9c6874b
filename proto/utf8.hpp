// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF), and
// step-by-step decoding that keeps going over bad bytes, for text that must be shown or
// re-encoded whatever it contains.
#pragma once

#include <cstddef>
#include <string_view>

namespace streamd::proto {

bool valid_utf8(std::string_view s);

struct Utf8Step {
    char32_t code_point = 0; // U+FFFD when !valid
    size_t length = 0;       // bytes consumed, at least 1
    bool valid = false;
};

// Decodes the sequence starting at s[pos] (pos < s.size()). An ill-formed sequence consumes
// its maximal subpart, so each broken sequence becomes exactly one U+FFFD as Unicode
// recommends (chapter 3, "U+FFFD Substitution of Maximal Subparts").
Utf8Step decode_utf8_step(std::string_view s, size_t pos);

} // namespace streamd::proto

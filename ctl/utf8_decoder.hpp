// Step-by-step UTF-8 decoding that keeps going over bad bytes, for text that must be shown
// or re-encoded whatever it contains.
#pragma once

#include <cstddef>
#include <string_view>

namespace streamd::ctl {

struct Utf8Step {
    char32_t code_point = 0; // U+FFFD when !valid
    size_t length = 0;       // bytes consumed, at least 1
    bool valid = false;
};

// Decodes the sequence starting at s[pos] (pos < s.size()). An ill-formed sequence consumes
// its maximal subpart, so each broken sequence becomes exactly one U+FFFD as Unicode
// recommends (chapter 3, "U+FFFD Substitution of Maximal Subparts").
Utf8Step decode_utf8_step(std::string_view s, size_t pos);

} // namespace streamd::ctl

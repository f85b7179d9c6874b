#include "terminal_text.hpp"

#include "utf8_decoder.hpp"

namespace streamd::ctl {

std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const Utf8Step step = decode_utf8_step(s, i);
        const char32_t cp = step.code_point;
        const bool control = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
        if (step.valid && !control)
            out.append(s.substr(i, step.length));
        else
            out += '?';
        i += step.length;
    }
    return out;
}

size_t display_width(std::string_view printable_text) {
    size_t width = 0;
    for (char c : printable_text)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++width;
    return width;
}

std::string fit_to_width(std::string_view printable_text, size_t width) {
    if (display_width(printable_text) <= width) return std::string(printable_text);
    const std::string_view ellipsis = width >= 3 ? "..." : "";
    const size_t keep = width - ellipsis.size();
    size_t end = 0, kept = 0;
    while (end < printable_text.size()) {
        if ((static_cast<unsigned char>(printable_text[end]) & 0xC0) != 0x80) {
            if (kept == keep) break;
            ++kept;
        }
        ++end;
    }
    return std::string(printable_text.substr(0, end)) + std::string(ellipsis);
}

} // namespace streamd::ctl

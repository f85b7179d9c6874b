#include "terminal_text.hpp"

#include "utf8.hpp"

#include <clocale>
#include <cwchar>
#include <locale.h>

namespace streamd::ctl {

namespace {

// glibc's own width tables, which follow Unicode's East Asian Width and general categories;
// C.UTF-8 is built into glibc, so this does not depend on the user's locale or on locale
// files being installed.
locale_t utf8_locale() {
    static const locale_t locale = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", locale_t{});
    return locale;
}

// Wide ranges of Unicode's East Asian Width property, for a libc without C.UTF-8.
bool is_wide_fallback(char32_t cp) {
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
           (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
           (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

// The escape sequence starting at s[pos] (an ESC), or 0 when there is none. Only CSI
// sequences are expected: they are the only ones streamctl itself writes.
size_t escape_length(std::string_view s, size_t pos) {
    if (pos + 1 >= s.size() || s[pos + 1] != '[') return 0;
    for (size_t i = pos + 2; i < s.size(); ++i)
        if (s[i] >= 0x40 && s[i] <= 0x7e) return i + 1 - pos;
    return 0;
}

} // namespace

std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        const proto::Utf8Step step = proto::decode_utf8_step(s, i);
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

size_t code_point_width(char32_t cp) {
    if (cp < 0x7f) return 1;
    if (const locale_t locale = utf8_locale()) {
        const locale_t previous = ::uselocale(locale);
        const int width = ::wcwidth(static_cast<wchar_t>(cp));
        ::uselocale(previous);
        // -1 is for what glibc does not know (unassigned code points): one column is what
        // terminals give those.
        return width < 0 ? 1 : static_cast<size_t>(width);
    }
    return is_wide_fallback(cp) ? 2 : 1;
}

size_t display_width(std::string_view printable_text) {
    size_t width = 0;
    for (size_t i = 0; i < printable_text.size();) {
        const proto::Utf8Step step = proto::decode_utf8_step(printable_text, i);
        width += code_point_width(step.code_point);
        i += step.length;
    }
    return width;
}

std::string fit_to_width(std::string_view printable_text, size_t width) {
    if (display_width(printable_text) <= width) return std::string(printable_text);
    const std::string_view ellipsis = width >= 3 ? "..." : "";
    const size_t room = width - ellipsis.size();
    size_t end = 0, used = 0;
    while (end < printable_text.size()) {
        const proto::Utf8Step step = proto::decode_utf8_step(printable_text, end);
        const size_t w = code_point_width(step.code_point);
        if (used + w > room) break;
        used += w;
        end += step.length;
    }
    return std::string(printable_text.substr(0, end)) + std::string(ellipsis);
}

std::string fit_styled_to_width(std::string_view styled_text, size_t width) {
    std::string out;
    size_t used = 0;
    bool styled = false;
    for (size_t i = 0; i < styled_text.size();) {
        if (styled_text[i] == '\x1b') {
            if (const size_t n = escape_length(styled_text, i)) {
                out.append(styled_text.substr(i, n));
                styled = true;
                i += n;
                continue;
            }
        }
        const proto::Utf8Step step = proto::decode_utf8_step(styled_text, i);
        const size_t w = code_point_width(step.code_point);
        if (used + w > width) {
            if (styled) out += "\x1b[0m";
            return out;
        }
        used += w;
        out.append(styled_text.substr(i, step.length));
        i += step.length;
    }
    return out;
}

} // namespace streamd::ctl

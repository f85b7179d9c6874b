#include "content_disposition.hpp"

namespace streamd::proto::http {

namespace {

// RFC 8187 attr-char: what an extended value may hold without percent-encoding.
bool is_attr_char(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

} // namespace

std::string attachment_disposition(std::string_view utf8_name) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string fallback;
    std::string extended;
    for (size_t i = 0; i < utf8_name.size(); ++i) {
        auto c = static_cast<unsigned char>(utf8_name[i]);
        if (is_attr_char(c)) {
            extended += static_cast<char>(c);
        } else {
            extended += '%';
            extended += kHex[c >> 4];
            extended += kHex[c & 0xF];
        }
        // One '_' for each character outside printable ASCII (for its first byte only),
        // and for the two characters a quoted-string would have to escape.
        if (c >= 0x80) {
            if ((c & 0xC0) != 0x80) fallback += '_';
        } else if (c < 0x20 || c == 0x7F || c == '"' || c == '\\') {
            fallback += '_';
        } else {
            fallback += static_cast<char>(c);
        }
    }
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''" + extended;
}

} // namespace streamd::proto::http

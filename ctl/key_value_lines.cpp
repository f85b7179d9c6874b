#include "key_value_lines.hpp"

#include <algorithm>

namespace streamd::ctl {

std::string KeyValueLines::text(size_t key_width) const {
    // Keys are ours and ASCII, so their length is their width.
    for (const auto& [key, value] : lines_)
        key_width = std::max(key_width, key.size());
    std::string out;
    for (const auto& [key, value] : lines_) {
        out.append(key_width - key.size(), ' ');
        out += key;
        out += ": ";
        out += value;
        out += '\n';
    }
    return out;
}

} // namespace streamd::ctl

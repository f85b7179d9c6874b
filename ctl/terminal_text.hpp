// Text from the daemon and from remote peers, made safe and measurable for a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace streamd::ctl {

// `s` with every control character (C0, DEL, C1) and every ill-formed UTF-8 sequence
// replaced by '?', so that a peer-chosen name cannot move the cursor or recolour the screen.
std::string printable(std::string_view s);

// Columns taken by printable text, counting one per code point.
size_t display_width(std::string_view printable_text);

// Printable text cut to at most `width` columns, ending in "..." when something was cut.
std::string fit_to_width(std::string_view printable_text, size_t width);

} // namespace streamd::ctl

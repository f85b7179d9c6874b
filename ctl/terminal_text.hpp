// Text from the daemon and from remote peers, made safe and measurable for a terminal.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace streamd::ctl {

// `s` with every control character (C0, DEL, C1) and every ill-formed UTF-8 sequence
// replaced by '?', so that a peer-chosen name cannot move the cursor or recolour the screen.
std::string printable(std::string_view s);

// Terminal columns a code point takes: 2 for East Asian wide and fullwidth characters and
// most emoji, 0 for combining marks and other zero-width characters, 1 otherwise.
size_t code_point_width(char32_t cp);

// Columns taken by printable text.
size_t display_width(std::string_view printable_text);

// Printable text cut to at most `width` columns, ending in "..." when something was cut.
std::string fit_to_width(std::string_view printable_text, size_t width);

// Printable text that may carry SGR colour sequences (ESC [ ... m), cut to at most `width`
// columns. The sequences take no room and are kept; a cut line ends by resetting the colour
// so that nothing bleeds into the next one.
std::string fit_styled_to_width(std::string_view styled_text, size_t width);

} // namespace streamd::ctl

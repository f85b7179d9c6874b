// How streamctl decorates what it writes, decided in this one place: colour, and redrawing
// in place.
#pragma once

#include <string>
#include <string_view>

namespace streamd::ctl {

// Colour only for a terminal that says it can show it: TERM set and not "dumb" (as systemd
// decides), and NO_COLOR (no-color.org) unset or empty. `term` and `no_color` are the
// variables' values, nullptr when unset.
bool colour_wanted(bool is_terminal, const char* term, const char* no_color);

// Redrawing in place moves the cursor, which only a terminal does and a "dumb" one does not.
bool redraw_wanted(bool is_terminal, const char* term);

// The two decisions for a file descriptor, from isatty() and the environment.
bool colour_on(int fd);
bool redraw_on(int fd);

// The SGR sequence for a transfer state: done green, failed red, canceled yellow, the
// states that move data cyan, queued dim; "" for anything else.
std::string_view state_colour(std::string_view state);

// `text` in the colour of `state` when `colour`, otherwise unchanged.
std::string paint_state(std::string_view state, std::string_view text, bool colour);

} // namespace streamd::ctl

// How big the terminal behind a file descriptor is, asked on every redraw so that resizing
// the window while streamctl draws just works.
#pragma once

#include <cstddef>

namespace streamd::ctl {

// The terminal's width, else $COLUMNS, else 80.
size_t terminal_columns(int fd);

// The terminal's height, else $LINES, else 24.
size_t terminal_rows(int fd);

} // namespace streamd::ctl

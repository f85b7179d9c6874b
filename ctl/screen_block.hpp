// A block of lines at the bottom of a terminal, redrawn in place. Between redraws the cursor
// rests at the start of the line below the block, so that whatever else is printed (a
// summary, an error, the echo of Ctrl-C) starts on a line of its own and is wiped by the next
// redraw or by erase_block.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace streamd::ctl {

// The bytes that replace the `previous_lines` lines drawn last (0: none) by `lines`, to be
// written in one go so that the block never flickers half-drawn. Lines must not wrap: see
// fit_block.
std::string redraw_block(size_t previous_lines, const std::vector<std::string>& lines);

// The bytes that remove the `previous_lines` lines drawn last.
std::string erase_block(size_t previous_lines);

// `lines` made to fit a terminal of `rows` by `columns`: each line cut one column short of
// the edge (a line that fills the last column wraps on some terminals), and no more lines
// than the screen holds above the cursor, the last one kept saying how many were left out.
// Cursor-up cannot reach lines that scrolled off the screen.
std::vector<std::string> fit_block(std::vector<std::string> lines, size_t rows, size_t columns);

// `text` split at each '\n', without an empty last line for a final '\n'.
std::vector<std::string> split_lines(const std::string& text);

} // namespace streamd::ctl

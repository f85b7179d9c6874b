// A block of lines redrawn in place on a terminal (see screen_block.hpp): the progress
// lines of `send` on standard error, the view of `watch` on standard output.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace streamd::ctl {

class LiveBlock {
public:
    // Draws only when `fd` (the descriptor behind `out`) is a terminal that can redraw.
    LiveBlock(std::FILE* out, int fd);
    LiveBlock(const LiveBlock&) = delete;
    LiveBlock& operator=(const LiveBlock&) = delete;
    // Leaves the terminal clean however the drawing ends.
    ~LiveBlock() { clear(); }

    bool enabled() const { return enabled_; }

    // Replaces what was drawn last by `lines`, fitted to the terminal's size.
    void show(std::vector<std::string> lines);
    // Removes the block, so that what is printed next takes its place.
    void clear();
    // Leaves the block on the screen as the last word of a view, and wipes what the terminal
    // echoed below it (a "^C").
    void keep();

private:
    void write(const std::string& bytes);

    std::FILE* out_;
    int fd_;
    bool enabled_;
    size_t drawn_lines_ = 0;
};

} // namespace streamd::ctl

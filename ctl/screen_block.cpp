#include "screen_block.hpp"

#include "terminal_text.hpp"

namespace streamd::ctl {

namespace {

constexpr const char* kClearLine = "\x1b[K";
constexpr const char* kClearBelow = "\x1b[J";

// "\x1b[0A" still moves one line up on some terminals, so no sequence at all for 0.
std::string cursor_up(size_t lines) {
    return lines == 0 ? "" : "\x1b[" + std::to_string(lines) + "A";
}

} // namespace

std::string redraw_block(size_t previous_lines, const std::vector<std::string>& lines) {
    std::string out = "\r" + cursor_up(previous_lines);
    for (const std::string& line : lines) {
        out += line;
        out += kClearLine;
        out += '\n';
    }
    // The block may have shrunk.
    out += kClearBelow;
    return out;
}

std::string erase_block(size_t previous_lines) {
    return "\r" + cursor_up(previous_lines) + kClearBelow;
}

std::vector<std::string> fit_block(std::vector<std::string> lines, size_t rows, size_t columns) {
    const size_t width = columns > 1 ? columns - 1 : 0;
    // One row stays for the cursor below the block.
    const size_t room = rows > 1 ? rows - 1 : 1;
    if (lines.size() > room) {
        const size_t kept = room - 1;
        const size_t left_out = lines.size() - kept;
        lines.resize(kept);
        lines.push_back("... " + std::to_string(left_out) + " more lines");
    }
    for (std::string& line : lines)
        line = fit_styled_to_width(line, width);
    return lines;
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < text.size()) {
        const size_t end = text.find('\n', start);
        if (end == std::string::npos) {
            lines.push_back(text.substr(start));
            break;
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

} // namespace streamd::ctl

#include "progress_display.hpp"

#include "progress_line.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/ioctl.h>
#include <unistd.h>

namespace streamd::ctl {

namespace {

constexpr const char* kClearToEnd = "\x1b[K";

// Asked on every redraw so that resizing the window while waiting just works.
size_t terminal_columns() {
    struct winsize ws {};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    if (const char* columns = std::getenv("COLUMNS")) {
        const long n = std::strtol(columns, nullptr, 10);
        if (n > 0) return static_cast<size_t>(n);
    }
    return 80;
}

void write_stderr(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stderr);
    std::fflush(stderr);
}

} // namespace

ProgressDisplay::ProgressDisplay() : enabled_(::isatty(STDERR_FILENO) == 1) {}

void ProgressDisplay::show(const TransferSnapshot& t) {
    if (!enabled_) return;
    // One write per redraw, so the line never flickers half-drawn.
    write_stderr("\r" + format_progress_line(t, terminal_columns()) + kClearToEnd);
    drawn_ = true;
}

void ProgressDisplay::clear() {
    if (!drawn_) return;
    write_stderr(std::string("\r") + kClearToEnd);
    drawn_ = false;
}

} // namespace streamd::ctl

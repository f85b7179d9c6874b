#include "terminal_size.hpp"

#include <cstdlib>
#include <sys/ioctl.h>

namespace streamd::ctl {

namespace {

size_t from_environment(const char* name, size_t fallback) {
    if (const char* value = std::getenv(name)) {
        const long n = std::strtol(value, nullptr, 10);
        if (n > 0) return static_cast<size_t>(n);
    }
    return fallback;
}

} // namespace

size_t terminal_columns(int fd) {
    struct winsize ws {};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return from_environment("COLUMNS", 80);
}

size_t terminal_rows(int fd) {
    struct winsize ws {};
    if (::ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0) return ws.ws_row;
    return from_environment("LINES", 24);
}

} // namespace streamd::ctl

#include "output_style.hpp"

#include <cstdlib>
#include <string_view>
#include <unistd.h>

namespace streamd::ctl {

namespace {

constexpr std::string_view kReset = "\x1b[0m";

} // namespace

bool colour_wanted(bool is_terminal, const char* term, const char* no_color) {
    if (!is_terminal) return false;
    if (no_color != nullptr && *no_color != '\0') return false;
    return term != nullptr && *term != '\0' && std::string_view(term) != "dumb";
}

bool redraw_wanted(bool is_terminal, const char* term) {
    return is_terminal && (term == nullptr || std::string_view(term) != "dumb");
}

bool colour_on(int fd) {
    return colour_wanted(::isatty(fd) == 1, std::getenv("TERM"), std::getenv("NO_COLOR"));
}

bool redraw_on(int fd) {
    return redraw_wanted(::isatty(fd) == 1, std::getenv("TERM"));
}

std::string_view state_colour(std::string_view state) {
    if (state == "done") return "\x1b[32m";
    if (state == "failed") return "\x1b[31m";
    if (state == "canceled") return "\x1b[33m";
    if (state == "connecting" || state == "running" || state == "verifying") return "\x1b[36m";
    if (state == "queued") return "\x1b[2m";
    return "";
}

std::string paint_state(std::string_view state, std::string_view text, bool colour) {
    const std::string_view sgr = colour ? state_colour(state) : "";
    if (sgr.empty()) return std::string(text);
    std::string out(sgr);
    out += text;
    out += kReset;
    return out;
}

} // namespace streamd::ctl

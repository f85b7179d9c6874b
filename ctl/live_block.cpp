#include "live_block.hpp"

#include "output_style.hpp"
#include "screen_block.hpp"
#include "terminal_size.hpp"

namespace streamd::ctl {

LiveBlock::LiveBlock(std::FILE* out, int fd) : out_(out), fd_(fd), enabled_(redraw_on(fd)) {}

void LiveBlock::write(const std::string& bytes) {
    std::fwrite(bytes.data(), 1, bytes.size(), out_);
    std::fflush(out_);
}

void LiveBlock::show(std::vector<std::string> lines) {
    if (!enabled_) return;
    lines = fit_block(std::move(lines), terminal_rows(fd_), terminal_columns(fd_));
    write(redraw_block(drawn_lines_, lines));
    drawn_lines_ = lines.size();
}

void LiveBlock::keep() {
    if (!enabled_ || drawn_lines_ == 0) return;
    write("\r\x1b[K");
    drawn_lines_ = 0;
}

void LiveBlock::clear() {
    if (!enabled_ || drawn_lines_ == 0) return;
    write(erase_block(drawn_lines_));
    drawn_lines_ = 0;
}

} // namespace streamd::ctl

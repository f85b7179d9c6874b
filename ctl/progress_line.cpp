#include "progress_line.hpp"

#include "size_units.hpp"
#include "terminal_text.hpp"

#include <algorithm>
#include <cstdio>

namespace streamd::ctl {

namespace {

constexpr size_t kMinBar = 10;
constexpr size_t kMaxBar = 30;
constexpr size_t kMinName = 8;
constexpr std::string_view kGap = "  ";

std::string bar(uint64_t bytes_done, uint64_t size, size_t inner) {
    size_t filled = inner;
    if (size > 0 && bytes_done < size)
        filled = static_cast<size_t>(static_cast<double>(bytes_done) / static_cast<double>(size) *
                                     static_cast<double>(inner));
    return "[" + std::string(filled, '#') + std::string(inner - filled, '-') + "]";
}

} // namespace

unsigned percent_done(uint64_t bytes_done, uint64_t size) {
    if (bytes_done >= size) return 100;
    const auto pct =
        static_cast<unsigned>(static_cast<double>(bytes_done) / static_cast<double>(size) * 100.0);
    return std::min(pct, 99u);
}

std::string format_eta(uint64_t bytes_left, uint64_t rate) {
    if (rate == 0) return "--:--";
    return format_seconds_left(bytes_left / rate + (bytes_left % rate != 0));
}

std::string format_rate(uint64_t bytes_per_second) {
    return proto::format_size(bytes_per_second) + "/s";
}

std::string format_files(uint32_t files_done, uint32_t files) {
    return std::to_string(std::min(files_done, files)) + "/" + std::to_string(files) + " files";
}

std::string format_seconds_left(uint64_t seconds) {
    if (seconds >= 100 * 3600) return "--:--";
    char buf[16];
    const auto h = static_cast<unsigned>(seconds / 3600);
    const auto m = static_cast<unsigned>(seconds / 60 % 60);
    const auto s = static_cast<unsigned>(seconds % 60);
    if (h > 0)
        std::snprintf(buf, sizeof buf, "%u:%02u:%02u", h, m, s);
    else
        std::snprintf(buf, sizeof buf, "%u:%02u", m, s);
    return buf;
}

std::string format_progress_line(const TransferSnapshot& t, size_t columns, size_t name_column) {
    const uint64_t done = std::min(t.bytes_done, t.size);

    char pct[8];
    std::snprintf(pct, sizeof pct, "%3u%%", percent_done(done, t.size));
    std::string tail = std::string(kGap) + pct + std::string(kGap) + proto::format_size(done) +
                       " / " + proto::format_size(t.size) + std::string(kGap);
    if (counts_files(t.files)) tail += format_files(t.files_done, t.files) + std::string(kGap);
    if (t.state == "running")
        tail +=
            format_rate(t.rate) + std::string(kGap) + "ETA " + format_eta(t.size - done, t.rate);
    else
        tail += printable(t.state);

    const std::string name = printable(t.name);
    const size_t budget = columns > 1 ? columns - 1 : 0;
    const size_t name_width = display_width(name);
    const size_t tail_width = display_width(tail);
    const size_t around_bar = kGap.size() + 2; // the gap before the bar and its brackets

    // Room permitting: whole name, padded, and a bar of up to kMaxBar; then the same without
    // the padding; then shorten the name down to kMinName; then give up the bar; then cut
    // whatever is left.
    if (name_column > name_width && name_column + around_bar + kMinBar + tail_width <= budget) {
        const size_t inner = std::min(kMaxBar, budget - name_column - around_bar - tail_width);
        return name + std::string(name_column - name_width, ' ') + std::string(kGap) +
               bar(done, t.size, inner) + tail;
    }
    if (name_width + around_bar + kMinBar + tail_width <= budget) {
        const size_t inner = std::min(kMaxBar, budget - name_width - around_bar - tail_width);
        return name + std::string(kGap) + bar(done, t.size, inner) + tail;
    }
    if (kMinName + around_bar + kMinBar + tail_width <= budget) {
        const size_t room = budget - around_bar - kMinBar - tail_width;
        return fit_to_width(name, room) + std::string(kGap) + bar(done, t.size, kMinBar) + tail;
    }
    if (kMinName + tail_width <= budget) return fit_to_width(name, budget - tail_width) + tail;
    return fit_to_width(name + tail, budget);
}

} // namespace streamd::ctl

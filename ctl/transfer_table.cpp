#include "transfer_table.hpp"

#include "size_units.hpp"
#include "terminal_text.hpp"

#include <algorithm>
#include <array>

namespace streamd::ctl {

namespace {

struct Column {
    std::string_view header;
    bool right_aligned;
};

constexpr std::array<Column, 7> kColumns{{
    {"ID", true},
    {"DIR", false},
    {"STATE", false},
    {"NAME", false},
    {"PEER", false},
    {"SIZE", true},
    {"DONE", true},
}};

using Cells = std::array<std::string, kColumns.size()>;

} // namespace

std::string format_transfer_table(const std::vector<TransferRow>& rows) {
    if (rows.empty()) return "No transfers.\n";

    std::vector<Cells> lines;
    lines.reserve(rows.size() + 1);
    Cells header;
    for (size_t c = 0; c < kColumns.size(); ++c)
        header[c] = kColumns[c].header;
    lines.push_back(header);
    for (const TransferRow& r : rows) {
        lines.push_back({std::to_string(r.id), printable(r.direction), printable(r.state),
                         printable(r.name), printable(r.peer), proto::format_size(r.size),
                         proto::format_size(r.bytes_done)});
    }

    std::array<size_t, kColumns.size()> widths{};
    for (const Cells& cells : lines)
        for (size_t c = 0; c < cells.size(); ++c)
            widths[c] = std::max(widths[c], display_width(cells[c]));

    std::string out;
    for (const Cells& cells : lines) {
        std::string line;
        for (size_t c = 0; c < cells.size(); ++c) {
            if (c > 0) line += "  ";
            const std::string padding(widths[c] - display_width(cells[c]), ' ');
            line += kColumns[c].right_aligned ? padding + cells[c] : cells[c] + padding;
        }
        // A left-aligned column could end the line; trailing blanks only get in the way.
        line.erase(line.find_last_not_of(' ') + 1);
        out += line;
        out += '\n';
    }
    return out;
}

} // namespace streamd::ctl

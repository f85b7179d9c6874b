#include "transfer_table.hpp"

#include "output_style.hpp"
#include "progress_line.hpp"
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

constexpr std::array<Column, 8> kColumns{{
    {"ID", true},
    {"DIR", false},
    {"STATE", false},
    {"NAME", false},
    {"PEER", false},
    {"SIZE", true},
    {"DONE", true},
    {"RATE", true},
}};
constexpr size_t kStateColumn = 2;

using Cells = std::array<std::string, kColumns.size()>;

std::string done_cell(const TransferRow& r) {
    std::string percent = std::to_string(percent_done(r.bytes_done, r.size)) + "%";
    // Before the percentage, which then stays lined up with those of single files.
    if (!counts_files(r.files)) return percent;
    return format_files(r.files_done, r.files) + ", " + percent;
}

Cells cells_of(const TransferRow& r) {
    // A rate means something only while data moves; finished transfers report 0.
    const bool moving = r.state == "running" || r.rate > 0;
    return {
        std::to_string(r.id), printable(r.direction),
        printable(r.state),   printable(r.name),
        printable(r.peer),    proto::format_size(r.size),
        done_cell(r),         moving ? format_rate(r.rate) : "-",
    };
}

} // namespace

std::string format_transfer_table(const std::vector<TransferRow>& rows, const TableStyle& style) {
    if (rows.empty()) return style.legend ? "No transfers.\n" : "";

    std::vector<Cells> lines;
    lines.reserve(rows.size() + 1);
    if (style.legend) {
        Cells header;
        for (size_t c = 0; c < kColumns.size(); ++c)
            header[c] = kColumns[c].header;
        lines.push_back(header);
    }
    for (const TransferRow& r : rows)
        lines.push_back(cells_of(r));

    std::array<size_t, kColumns.size()> widths{};
    for (const Cells& cells : lines)
        for (size_t c = 0; c < cells.size(); ++c)
            widths[c] = std::max(widths[c], display_width(cells[c]));

    std::string out;
    const size_t first_row = style.legend ? 1 : 0;
    for (size_t l = 0; l < lines.size(); ++l) {
        const Cells& cells = lines[l];
        std::string line;
        for (size_t c = 0; c < cells.size(); ++c) {
            if (c > 0) line += "  ";
            const std::string padding(widths[c] - display_width(cells[c]), ' ');
            // Padding stays outside the colour, so that colour never changes the alignment.
            const std::string text =
                c == kStateColumn && l >= first_row
                    ? paint_state(rows[l - first_row].state, cells[c], style.colour)
                    : cells[c];
            line += kColumns[c].right_aligned ? padding + text : text + padding;
        }
        // A left-aligned column could end the line; trailing blanks only get in the way.
        line.erase(line.find_last_not_of(' ') + 1);
        out += line;
        out += '\n';
    }
    if (style.legend) {
        // As systemd's list commands end theirs.
        out += "\n" + std::to_string(rows.size()) +
               (rows.size() == 1 ? " transfer listed.\n" : " transfers listed.\n");
    }
    return out;
}

} // namespace streamd::ctl

// Redrawing in place, and what `watch` prints where it cannot redraw.

#include "ctl/screen_block.hpp"
#include "ctl/state_changes.hpp"
#include "ctl/terminal_text.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace streamd::ctl;

using Lines = std::vector<std::string>;

// --- redrawing --------------------------------------------------------------------------

TEST(CtlScreenBlock, FirstDrawStartsWhereTheCursorIs) {
    EXPECT_EQ(redraw_block(0, {"a", "b"}), "\ra\x1b[K\nb\x1b[K\n\x1b[J");
}

TEST(CtlScreenBlock, RedrawGoesBackUpFirst) {
    EXPECT_EQ(redraw_block(2, {"c", "d"}), "\r\x1b[2Ac\x1b[K\nd\x1b[K\n\x1b[J");
    // Shrinking: what is left below is cleared.
    EXPECT_EQ(redraw_block(3, {"e"}), "\r\x1b[3Ae\x1b[K\n\x1b[J");
    EXPECT_EQ(redraw_block(1, {}), "\r\x1b[1A\x1b[J");
}

TEST(CtlScreenBlock, Erase) {
    EXPECT_EQ(erase_block(3), "\r\x1b[3A\x1b[J");
    EXPECT_EQ(erase_block(0), "\r\x1b[J");
}

TEST(CtlScreenBlock, LinesAreCutShortOfTheLastColumn) {
    EXPECT_EQ(fit_block({"abcdef", "ab"}, 24, 5), (Lines{"abcd", "ab"}));
    EXPECT_EQ(fit_block({"abc"}, 24, 0), (Lines{""}));
}

TEST(CtlScreenBlock, TooManyLinesSayHowManyAreLeftOut) {
    EXPECT_EQ(fit_block({"1", "2", "3", "4", "5"}, 4, 80), (Lines{"1", "2", "... 3 more lines"}));
    EXPECT_EQ(fit_block({"1", "2", "3"}, 4, 80), (Lines{"1", "2", "3"}));
    EXPECT_EQ(fit_block({"1", "2", "3"}, 1, 80), (Lines{"... 3 more lines"}));
}

TEST(CtlScreenBlock, ColouredLinesKeepTheirColourAndEndReset) {
    EXPECT_EQ(fit_block({"\x1b[32mdone\x1b[0m tail"}, 24, 7),
              (Lines{"\x1b[32mdone\x1b[0m t\x1b[0m"}));
}

TEST(CtlScreenBlock, SplitLines) {
    EXPECT_EQ(split_lines(""), Lines{});
    EXPECT_EQ(split_lines("a\n"), Lines{"a"});
    EXPECT_EQ(split_lines("a\n\nb"), (Lines{"a", "", "b"}));
    EXPECT_EQ(split_lines("a\nb\n"), (Lines{"a", "b"}));
}

// --- terminal widths --------------------------------------------------------------------

TEST(CtlTerminalWidth, CodePoints) {
    EXPECT_EQ(code_point_width(U'a'), 1u);
    EXPECT_EQ(code_point_width(U'\u00e9'), 1u);
    EXPECT_EQ(code_point_width(U'\u65e5'), 2u);     // CJK
    EXPECT_EQ(code_point_width(U'\uac00'), 2u);     // Hangul
    EXPECT_EQ(code_point_width(U'\uff21'), 2u);     // fullwidth A
    EXPECT_EQ(code_point_width(U'\U0001F600'), 2u); // emoji
    EXPECT_EQ(code_point_width(U'\u0301'), 0u);     // combining acute
    EXPECT_EQ(code_point_width(U'\u200b'), 0u);     // zero width space
}

TEST(CtlTerminalWidth, Strings) {
    EXPECT_EQ(display_width(""), 0u);
    EXPECT_EQ(display_width("\xe6\x97\xa5\xe6\x9c\xac.txt"), 8u);
    EXPECT_EQ(display_width("cafe\xcc\x81"), 4u);
}

TEST(CtlTerminalWidth, FittingWideCharacters) {
    const std::string japan = "\xe6\x97\xa5\xe6\x9c\xac";
    EXPECT_EQ(fit_to_width(japan + japan, 8), japan + japan);
    // Four columns would hold "日本", but with the ellipsis only "日" fits.
    EXPECT_EQ(fit_to_width(japan + japan, 6), "\xe6\x97\xa5...");
    EXPECT_EQ(fit_to_width(japan + japan, 5), "\xe6\x97\xa5...");
    // A wide character is never split, so the result may fall a column short.
    EXPECT_EQ(fit_to_width(japan + "x", 4), "...");
    EXPECT_EQ(fit_to_width("a" + japan + "xy", 6), "a\xe6\x97\xa5...");
    EXPECT_EQ(fit_styled_to_width(japan, 3), "\xe6\x97\xa5");
    EXPECT_EQ(fit_styled_to_width(japan, 1), "");
}

TEST(CtlTerminalWidth, StyledTextCountsNoColumnsForEscapes) {
    EXPECT_EQ(fit_styled_to_width("\x1b[36mrunning\x1b[0m", 7), "\x1b[36mrunning\x1b[0m");
    EXPECT_EQ(fit_styled_to_width("\x1b[36mrunning\x1b[0m", 3), "\x1b[36mrun\x1b[0m");
    EXPECT_EQ(fit_styled_to_width("plain", 3), "pla");
    EXPECT_EQ(fit_styled_to_width("plain", 9), "plain");
}

// --- what watch prints where it cannot redraw -------------------------------------------

namespace {

TransferRow row(uint32_t id, std::string state, std::string name = "f") {
    return {id, "out", std::move(state), std::move(name), "h", 0, 0, 0, "", "/x", ""};
}

std::vector<uint32_t> ids(const std::vector<TransferRow>& rows) {
    std::vector<uint32_t> out;
    for (const TransferRow& r : rows)
        out.push_back(r.id);
    return out;
}

} // namespace

TEST(CtlStateChanges, EverythingIsNewAtFirst) {
    StateChanges changes;
    EXPECT_EQ(ids(changes.update({row(1, "done"), row(2, "running")})),
              (std::vector<uint32_t>{1, 2}));
}

TEST(CtlStateChanges, OnlyStateChangesCount) {
    StateChanges changes;
    changes.update({row(1, "done"), row(2, "running")});
    TransferRow progressed = row(2, "running");
    progressed.bytes_done = 100;
    EXPECT_TRUE(changes.update({row(1, "done"), progressed}).empty());
    EXPECT_EQ(ids(changes.update({row(1, "done"), row(2, "verifying"), row(3, "queued")})),
              (std::vector<uint32_t>{2, 3}));
    EXPECT_TRUE(changes.update({row(1, "done"), row(2, "verifying"), row(3, "queued")}).empty());
}

TEST(CtlStateChanges, TransfersThatComeBackAreNewAgain) {
    StateChanges changes;
    changes.update({row(1, "done")});
    EXPECT_TRUE(changes.update({}).empty());
    EXPECT_EQ(ids(changes.update({row(1, "done")})), std::vector<uint32_t>{1});
}

TEST(CtlStateChanges, Lines) {
    EXPECT_EQ(format_state_change(row(3, "running", "big.iso")), "3 running big.iso");
    TransferRow failed = row(13, "failed", "x");
    failed.error = "cannot resolve nowhere: unknown host";
    EXPECT_EQ(format_state_change(failed), "13 failed x: cannot resolve nowhere: unknown host");
    TransferRow hostile = row(4, "canceled", "a\nb");
    hostile.error = "canceled by\r\x1b[2J";
    EXPECT_EQ(format_state_change(hostile), "4 canceled a?b: canceled by??[2J");
}

// When streamctl colours and redraws, and in which colours.

#include "ctl/output_style.hpp"

#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

using namespace streamd::ctl;

TEST(CtlColour, OnlyOnATerminal) {
    EXPECT_TRUE(colour_wanted(true, "xterm-256color", nullptr));
    EXPECT_FALSE(colour_wanted(false, "xterm-256color", nullptr));
}

TEST(CtlColour, NoColorTurnsItOffUnlessEmpty) {
    EXPECT_FALSE(colour_wanted(true, "xterm", "1"));
    EXPECT_FALSE(colour_wanted(true, "xterm", "0")); // any value at all, as no-color.org says
    EXPECT_FALSE(colour_wanted(true, "xterm", "no"));
    EXPECT_TRUE(colour_wanted(true, "xterm", ""));
}

TEST(CtlColour, DumbOrUnknownTerminals) {
    EXPECT_FALSE(colour_wanted(true, "dumb", nullptr));
    EXPECT_FALSE(colour_wanted(true, nullptr, nullptr));
    EXPECT_FALSE(colour_wanted(true, "", nullptr));
    EXPECT_TRUE(colour_wanted(true, "linux", nullptr));
    EXPECT_TRUE(colour_wanted(true, "dumb-but-not-quite", nullptr));
}

TEST(CtlColour, DescriptorsThatAreNoTerminal) {
    // A pipe is never a terminal, whatever the environment says.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    EXPECT_FALSE(colour_on(fds[1]));
    EXPECT_FALSE(redraw_on(fds[1]));
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(CtlRedraw, OnlyOnATerminalThatMovesItsCursor) {
    EXPECT_TRUE(redraw_wanted(true, "xterm"));
    EXPECT_TRUE(redraw_wanted(true, nullptr));
    EXPECT_FALSE(redraw_wanted(true, "dumb"));
    EXPECT_FALSE(redraw_wanted(false, "xterm"));
}

TEST(CtlStateColour, EachStateItsColour) {
    EXPECT_EQ(state_colour("done"), "\x1b[32m");
    EXPECT_EQ(state_colour("failed"), "\x1b[31m");
    EXPECT_EQ(state_colour("canceled"), "\x1b[33m");
    EXPECT_EQ(state_colour("running"), "\x1b[36m");
    EXPECT_EQ(state_colour("verifying"), "\x1b[36m");
    EXPECT_EQ(state_colour("connecting"), "\x1b[36m");
    EXPECT_EQ(state_colour("queued"), "\x1b[2m");
    EXPECT_EQ(state_colour("something new"), "");
    EXPECT_EQ(state_colour(""), "");
}

TEST(CtlStateColour, Painting) {
    EXPECT_EQ(paint_state("done", "done", true), "\x1b[32mdone\x1b[0m");
    EXPECT_EQ(paint_state("done", "done", false), "done");
    EXPECT_EQ(paint_state("mystery", "mystery", true), "mystery");
}

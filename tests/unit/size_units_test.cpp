// Sizes typed by people in the configuration and on the command line, and sizes shown
// back to them in logs and progress lines.
#include "size_units.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamd::proto {
namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;
constexpr uint64_t TiB = 1024 * GiB;

TEST(SizeUnits, ParsesPlainBytes) {
    EXPECT_EQ(parse_size("0"), 0u);
    EXPECT_EQ(parse_size("1"), 1u);
    EXPECT_EQ(parse_size("4096"), 4096u);
    EXPECT_EQ(parse_size("4B"), 4u);
    EXPECT_EQ(parse_size("18446744073709551615"), std::numeric_limits<uint64_t>::max());
}

TEST(SizeUnits, ParsesBinaryUnits) {
    const std::vector<std::pair<std::string, uint64_t>> cases{
        {"4K", 4 * KiB},   {"4k", 4 * KiB},    {"4KiB", 4 * KiB},  {"4KB", 4 * KiB},
        {"4kib", 4 * KiB}, {"4kb", 4 * KiB},   {"1M", MiB},        {"64M", 64 * MiB},
        {"4MiB", 4 * MiB}, {"4MB", 4 * MiB},   {"2G", 2 * GiB},    {"2GiB", 2 * GiB},
        {"1T", TiB},       {"3TB", 3 * TiB},   {"0K", 0},          {"0T", 0},
        {"4 M", 4 * MiB},  {"16M ", 16 * MiB}, {"4 KiB", 4 * KiB}, {"10G\t\n", 10 * GiB},
    };
    for (const auto& [text, value] : cases)
        EXPECT_EQ(parse_size(text), value) << "'" << text << "'";
}

TEST(SizeUnits, ParsesUpToTheLargestValue) {
    // 2^24 - 1 TiB is the largest whole number of TiB below 2^64.
    EXPECT_EQ(parse_size("16777215T"), 16777215 * TiB);
    EXPECT_EQ(parse_size("17179869183G"), 17179869183 * GiB);
}

TEST(SizeUnits, RejectsMalformedSizes) {
    const std::vector<std::string> bad{
        "",      " ",     "abc", "K",   "M4",    "4Q",   "4X",    "-1",    "-4K", "+4",
        "4MiBx", "4KiBB", "4BB", "4Bi", "4 M B", "1.5G", "4,096", "0x100", "4 Q",
    };
    for (const auto& text : bad)
        EXPECT_THROW(parse_size(text), std::invalid_argument) << "'" << text << "'";
}

TEST(SizeUnits, RejectsSizesThatOverflow) {
    const std::vector<std::string> bad{
        "99999999999T",
        "16777216T",
        "17179869184G",
        "18446744073709551616",
        "99999999999999999999999",
        "18014398509481984K",
    };
    for (const auto& text : bad)
        EXPECT_THROW(parse_size(text), std::invalid_argument) << "'" << text << "'";
}

TEST(SizeUnits, ReasonsAreOneLine) {
    for (std::string_view text : {"4Q", "abc", "99999999999T", ""}) {
        try {
            parse_size(text);
            ADD_FAILURE() << "no exception for '" << text << "'";
        } catch (const std::invalid_argument& e) {
            std::string what = e.what();
            EXPECT_FALSE(what.empty());
            EXPECT_EQ(what.find('\n'), std::string::npos) << what;
        }
    }
}

// Three significant digits, the form the progress line shows ("1.20 GiB", "512 MiB/s").
TEST(SizeUnits, FormatsSizes) {
    EXPECT_EQ(format_size(0), "0 B");
    EXPECT_EQ(format_size(1), "1 B");
    EXPECT_EQ(format_size(1023), "1023 B");
    EXPECT_EQ(format_size(1024), "1.00 KiB");
    EXPECT_EQ(format_size(1536), "1.50 KiB");
    EXPECT_EQ(format_size(4 * KiB), "4.00 KiB");
    EXPECT_EQ(format_size(10 * MiB), "10.0 MiB");
    EXPECT_EQ(format_size(512 * MiB), "512 MiB");
    EXPECT_EQ(format_size(GiB), "1.00 GiB");
    EXPECT_EQ(format_size(GiB + GiB / 2), "1.50 GiB");
    EXPECT_EQ(format_size(2 * TiB), "2.00 TiB");
}

TEST(SizeUnits, FormatsTheLargestSize) {
    std::string s = format_size(std::numeric_limits<uint64_t>::max());
    EXPECT_TRUE(s.ends_with("EiB")) << s;
    EXPECT_EQ(s, "16.0 EiB");
}

TEST(SizeUnits, FormattedSizesParseBackInTheSameUnit) {
    for (uint64_t bytes : {uint64_t{0}, uint64_t{1023}, 4 * KiB, 64 * MiB, 2 * GiB, 3 * TiB}) {
        std::string s = format_size(bytes);
        // "4.00 KiB" -> "4KiB": whole values only, as parse_size takes no fractions.
        auto dot = s.find('.');
        auto space = s.find(' ');
        ASSERT_NE(space, std::string::npos) << s;
        std::string whole =
            s.substr(0, dot == std::string::npos ? space : dot) + s.substr(space + 1);
        EXPECT_EQ(parse_size(whole), bytes) << s;
    }
}

} // namespace
} // namespace streamd::proto

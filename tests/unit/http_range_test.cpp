#include "http_range.hpp"

#include <gtest/gtest.h>

namespace streamd::proto::http {
namespace {

constexpr WholeRepresentation kWhole{};
constexpr Unsatisfiable kNone{};

TEST(HttpRange, OneRangeOfEachForm) {
    EXPECT_EQ(evaluate_range("bytes=0-9", 100), RangeRequest(ByteRange{0, 9}));
    EXPECT_EQ(evaluate_range("bytes=5-", 100), RangeRequest(ByteRange{5, 99}));
    EXPECT_EQ(evaluate_range("bytes=-7", 100), RangeRequest(ByteRange{93, 99}));
    EXPECT_EQ(evaluate_range("bytes=99-99", 100), RangeRequest(ByteRange{99, 99}));
}

TEST(HttpRange, EndsPastTheFileAreCut) {
    EXPECT_EQ(evaluate_range("bytes=90-500", 100), RangeRequest(ByteRange{90, 99}));
    EXPECT_EQ(evaluate_range("bytes=-500", 100), RangeRequest(ByteRange{0, 99}));
    EXPECT_EQ(evaluate_range("bytes=0-18446744073709551615", 100), RangeRequest(ByteRange{0, 99}));
}

TEST(HttpRange, UnitAndSpacingAsRfc9110Allows) {
    EXPECT_EQ(evaluate_range("BYTES=1-2", 10), RangeRequest(ByteRange{1, 2}));
    EXPECT_EQ(evaluate_range("bytes= 1-2 ", 10), RangeRequest(ByteRange{1, 2}));
    EXPECT_EQ(evaluate_range("bytes=1-2,", 10), RangeRequest(ByteRange{1, 2}));
}

TEST(HttpRange, OutsideTheFileIsUnsatisfiable) {
    EXPECT_EQ(evaluate_range("bytes=100-200", 100), RangeRequest(kNone));
    EXPECT_EQ(evaluate_range("bytes=100-", 100), RangeRequest(kNone));
    EXPECT_EQ(evaluate_range("bytes=-0", 100), RangeRequest(kNone));
    EXPECT_EQ(evaluate_range("bytes=0-", 0), RangeRequest(kNone));
    EXPECT_EQ(evaluate_range("bytes=-5", 0), RangeRequest(kNone));
}

TEST(HttpRange, SeveralRangesGiveTheWhole) {
    EXPECT_EQ(evaluate_range("bytes=0-1,5-6", 100), RangeRequest(kWhole));
    EXPECT_EQ(evaluate_range("bytes=0-1, -5", 100), RangeRequest(kWhole));
}

TEST(HttpRange, WhatIsNotUnderstoodIsIgnored) {
    for (const char* field :
         {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-1", "bytes=1-2-3", "items=0-1",
          "bytes=+1-2", "bytes=0x1-2", "bytes=99999999999999999999-", "bytes=1 -2"}) {
        SCOPED_TRACE(field);
        EXPECT_EQ(evaluate_range(field, 100), RangeRequest(kWhole));
    }
}

TEST(HttpRange, ContentRangeFields) {
    EXPECT_EQ(content_range({10, 19}, 100), "bytes 10-19/100");
    EXPECT_EQ(unsatisfied_content_range(100), "bytes */100");
    EXPECT_EQ((ByteRange{10, 19}.length()), 10u);
}

} // namespace
} // namespace streamd::proto::http

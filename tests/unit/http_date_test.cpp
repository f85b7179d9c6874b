#include "http_date.hpp"

#include <gtest/gtest.h>

namespace streamd::proto::http {
namespace {

TEST(HttpDate, ImfFixdate) {
    EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT"); // RFC 9110's example
    EXPECT_EQ(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    EXPECT_EQ(http_date(1700000000), "Tue, 14 Nov 2023 22:13:20 GMT");
}

} // namespace
} // namespace streamd::proto::http

// Base64 as the header fields carry it: RFC 4648 with padding, one spelling for each value.

#include "base64.hpp"

#include <gtest/gtest.h>

namespace streamd::proto {
namespace {

std::vector<uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

TEST(Base64, DecodesAsRfc4648Says) {
    EXPECT_EQ(base64_decode(""), bytes(""));
    EXPECT_EQ(base64_decode("Zg=="), bytes("f"));
    EXPECT_EQ(base64_decode("Zm8="), bytes("fo"));
    EXPECT_EQ(base64_decode("Zm9v"), bytes("foo"));
    EXPECT_EQ(base64_decode("Zm9vYmFy"), bytes("foobar"));
    EXPECT_EQ(base64_decode("+/+/"), (std::vector<uint8_t>{0xFB, 0xFF, 0xBF}));
    // Unpadded, padding inside, URL-safe characters, bits left over, whitespace.
    for (std::string_view bad :
         {"Zg", "Zg=", "Z===", "Zg==Zg==", "Zm9v-_", "Zh==", "Zm9=", "Zm 9v", "Zm9v\n"})
        EXPECT_FALSE(base64_decode(bad)) << bad;
}

TEST(Base64, Encodes) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode("\xFB\xFF\xBF"), "+/+/");
}

} // namespace
} // namespace streamd::proto

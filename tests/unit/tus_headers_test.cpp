// The tus 1.0.0 header fields: what the protocol allows parses, anything else does not.

#include "tus_headers.hpp"

#include <gtest/gtest.h>

namespace streamd::proto::tus {
namespace {

TEST(TusHeaders, Sizes) {
    EXPECT_EQ(parse_size("0"), 0u);
    EXPECT_EQ(parse_size("70"), 70u);
    EXPECT_EQ(parse_size("9223372036854775807"), 9223372036854775807u);
    for (std::string_view bad :
         {"", "-1", "+1", " 1", "1 ", "1.0", "0x10", "9223372036854775808", "99999999999999999999"})
        EXPECT_FALSE(parse_size(bad)) << bad;
}

TEST(TusHeaders, Metadata) {
    auto m = parse_metadata("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->at("filename"), "world_domination_plan.pdf");
    EXPECT_EQ(m->at("is_confidential"), "");
    EXPECT_EQ(m->size(), 2u);
    // A space after the comma, as some clients send.
    auto spaced = parse_metadata("a YQ==, b Yg==");
    ASSERT_TRUE(spaced);
    EXPECT_EQ(spaced->at("b"), "b");
    EXPECT_TRUE(parse_metadata("")->empty());
    for (std::string_view bad :
         {",", " ", "a YQ==,", "a YQ", "a YQ==,a Yg==", "k\x01 YQ==", "a  YQ=="})
        EXPECT_FALSE(parse_metadata(bad)) << bad;
}

TEST(TusHeaders, Checksum) {
    auto c = parse_checksum("sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=");
    ASSERT_TRUE(c);
    EXPECT_EQ(c->algorithm, "sha1");
    EXPECT_EQ(c->digest.size(), 20u);
    for (std::string_view bad : {"sha1", "sha1 ", " Kq5s", "sha1 Kq5s!", "sha1 Kq5sNclPz7QV2"})
        EXPECT_FALSE(parse_checksum(bad)) << bad;
}

TEST(TusHeaders, Concat) {
    auto partial = parse_concat("partial");
    ASSERT_TRUE(partial);
    EXPECT_FALSE(partial->final);
    auto final = parse_concat("final;/files/a http://tus.example.org/files/b");
    ASSERT_TRUE(final);
    EXPECT_TRUE(final->final);
    EXPECT_EQ(final->parts,
              (std::vector<std::string>{"/files/a", "http://tus.example.org/files/b"}));
    for (std::string_view bad : {"", "final", "final;", "final; ", "partial;x", "Partial"})
        EXPECT_FALSE(parse_concat(bad)) << bad;
}

} // namespace
} // namespace streamd::proto::tus

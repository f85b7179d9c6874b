// Request targets: path and query apart, escapes decoded, and every bad escape refused
// rather than passed on half-decoded.
#include "http_target.hpp"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace streamd::proto::http {
namespace {

using Params = std::vector<QueryParameter>;

TEST(HttpTarget, SplitsPathAndQuery) {
    EXPECT_EQ(split_target("/"), (TargetParts{"/", ""}));
    EXPECT_EQ(split_target("/a/b"), (TargetParts{"/a/b", ""}));
    EXPECT_EQ(split_target("/a?x=1&y"), (TargetParts{"/a", "x=1&y"}));
    EXPECT_EQ(split_target("/a?"), (TargetParts{"/a", ""}));
    EXPECT_EQ(split_target("/a?b?c"), (TargetParts{"/a", "b?c"}));
    EXPECT_EQ(split_target("*"), (TargetParts{"*", ""}));
}

TEST(HttpTarget, AbsoluteFormLosesSchemeAndAuthority) {
    EXPECT_EQ(split_target("http://h:7740/a?x"), (TargetParts{"/a", "x"}));
    EXPECT_EQ(split_target("https://h"), (TargetParts{"/", ""}));
    EXPECT_EQ(split_target("http://h?x=1"), (TargetParts{"/", "x=1"}));
    EXPECT_EQ(split_target("http://user@h/p/q"), (TargetParts{"/p/q", ""}));
}

TEST(HttpTarget, PercentDecode) {
    EXPECT_EQ(percent_decode(""), "");
    EXPECT_EQ(percent_decode("plain.txt"), "plain.txt");
    EXPECT_EQ(percent_decode("a%20b"), "a b");
    EXPECT_EQ(percent_decode("%41%62%7e%7E"), "Ab~~");
    EXPECT_EQ(percent_decode("caf%C3%A9"), "caf\xC3\xA9");
    // Inside a segment an encoded "/" is just a byte of the name.
    EXPECT_EQ(percent_decode("a%2Fb"), "a/b");
    // "+" is a space in a query only.
    EXPECT_EQ(percent_decode("a+b"), "a+b");
    EXPECT_EQ(percent_decode("%25"), "%");
    EXPECT_EQ(percent_decode("%2525"), "%25");
}

TEST(HttpTarget, PercentDecodeRefusesBadEscapes) {
    for (std::string_view bad :
         {"%", "%4", "a%", "a%4", "%G1", "%1G", "%%41", "%-1", "% 1", "%00", "a%00b", "%0"})
        EXPECT_FALSE(percent_decode(bad)) << bad;
    using namespace std::string_view_literals;
    EXPECT_FALSE(percent_decode("a\0b"sv));
    EXPECT_FALSE(parse_query("a=\0"sv));
}

TEST(HttpTarget, PercentEncodeKeepsOnlyUnreservedBytes) {
    EXPECT_EQ(percent_encode("big.iso"), "big.iso");
    EXPECT_EQ(percent_encode("note (1).txt"), "note%20%281%29.txt");
    EXPECT_EQ(percent_encode("a/b?c#d%"), "a%2Fb%3Fc%23d%25");
    EXPECT_EQ(percent_encode("\xC3\xA9t\xC3\xA9~_-"), "%C3%A9t%C3%A9~_-");
    for (std::string name : {"x y", "%41", "caf\xC3\xA9", "a/../b"})
        EXPECT_EQ(percent_decode(percent_encode(name)), name) << name;
}

TEST(HttpTarget, ParseQuery) {
    EXPECT_EQ(parse_query(""), Params{});
    EXPECT_EQ(parse_query("a=1"), (Params{{"a", "1"}}));
    EXPECT_EQ(
        parse_query("name=big+file.iso&size=10&flag&&=v&e="),
        (Params{{"name", "big file.iso"}, {"size", "10"}, {"flag", ""}, {"", "v"}, {"e", ""}}));
    EXPECT_EQ(parse_query("q=a%26b%3Dc&r=1%2B1"), (Params{{"q", "a&b=c"}, {"r", "1+1"}}));
    EXPECT_EQ(parse_query("a=b=c"), (Params{{"a", "b=c"}}));
    EXPECT_EQ(parse_query("k=1&k=2"), (Params{{"k", "1"}, {"k", "2"}}));
}

TEST(HttpTarget, ParseQueryRefusesBadEscapes) {
    EXPECT_FALSE(parse_query("a=%"));
    EXPECT_FALSE(parse_query("a=1&b=%zz"));
    EXPECT_FALSE(parse_query("%00=1"));
    EXPECT_FALSE(parse_query("a=%00"));
}

} // namespace
} // namespace streamd::proto::http

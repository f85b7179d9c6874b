// The strict JSON reader that takes browsers' messages and that the integration tests check
// streamctl's --json output with: if it accepted sloppy text, a daemon printing broken JSON would
// pass, and a browser could hand the daemon what no other reader agrees on.

#include "json_value.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <ostream>
#include <string>
#include <string_view>

namespace streamd::proto {
namespace {

TEST(JsonValue, Literals) {
    EXPECT_TRUE(parse_json("null").is_null());
    EXPECT_TRUE(parse_json("true").as_bool());
    EXPECT_FALSE(parse_json("false").as_bool());
}

TEST(JsonValue, IntegersKeepTheirKind) {
    JsonValue zero = parse_json("0");
    ASSERT_TRUE(zero.is_uint());
    EXPECT_EQ(zero.as_uint(), 0u);

    JsonValue big = parse_json("18446744073709551615");
    ASSERT_TRUE(big.is_uint());
    EXPECT_EQ(big.as_uint(), std::numeric_limits<std::uint64_t>::max());

    JsonValue negative = parse_json("-9223372036854775808");
    ASSERT_TRUE(negative.is_int());
    EXPECT_EQ(negative.as_int(), std::numeric_limits<std::int64_t>::min());

    EXPECT_EQ(parse_json("42").as_int(), 42);
    EXPECT_THROW(parse_json("-1").as_uint(), std::logic_error);
}

TEST(JsonValue, FractionsAndExponentsAreDoubles) {
    JsonValue fraction = parse_json("-12.5");
    ASSERT_TRUE(fraction.is_double());
    EXPECT_DOUBLE_EQ(fraction.as_double(), -12.5);

    JsonValue exponent = parse_json("25E-1");
    ASSERT_TRUE(exponent.is_double());
    EXPECT_DOUBLE_EQ(exponent.as_double(), 2.5);

    EXPECT_DOUBLE_EQ(parse_json("1e+2").as_double(), 100.0);
    EXPECT_THROW(parse_json("5.0").as_uint(), std::logic_error);
    EXPECT_DOUBLE_EQ(parse_json("7").as_double(), 7.0);
}

TEST(JsonValue, IntegerBeyondSixtyFourBitsReadsAsDouble) {
    JsonValue huge = parse_json("18446744073709551616");
    ASSERT_TRUE(huge.is_double());
    EXPECT_DOUBLE_EQ(huge.as_double(), 18446744073709551616.0);
}

// As in JavaScript's JSON.parse; 1e400, which no double can hold, is refused.
TEST(JsonValue, NumberTooSmallForADoubleReadsAsZero) {
    JsonValue tiny = parse_json("1e-400");
    ASSERT_TRUE(tiny.is_double());
    EXPECT_EQ(tiny.as_double(), 0.0);
}

TEST(JsonValue, StringEscapes) {
    EXPECT_EQ(parse_json(R"("a\"b\\c\/d\b\f\n\r\t")").as_string(), "a\"b\\c/d\b\f\n\r\t");
    EXPECT_EQ(parse_json(R"("\u0041\u00e9\u20AC")").as_string(), "A\u00e9\u20ac");
    EXPECT_EQ(parse_json(R"("\ud83d\ude00")").as_string(), "\U0001F600");
    EXPECT_EQ(parse_json(R"("\u0000")").as_string(), std::string(1, '\0'));
}

TEST(JsonValue, RawUtf8IsKept) {
    EXPECT_EQ(parse_json("\"caf\xc3\xa9 \xf0\x9f\x98\x80\"").as_string(),
              "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(JsonValue, ObjectsKeepOrderAndFindMembers) {
    JsonValue value = parse_json(R"( { "b" : 1 , "a" : [ true , null ] , "c" : {} } )");
    ASSERT_TRUE(value.is_object());
    EXPECT_EQ(value.keys(), (std::vector<std::string>{"b", "a", "c"}));
    EXPECT_EQ(value.at("b").as_uint(), 1u);
    ASSERT_EQ(value.at("a").as_array().size(), 2u);
    EXPECT_TRUE(value.at("a").as_array()[0].as_bool());
    EXPECT_TRUE(value.at("a").as_array()[1].is_null());
    EXPECT_TRUE(value.at("c").as_object().empty());
    EXPECT_EQ(value.find("missing"), nullptr);
    EXPECT_THROW(value.at("missing"), std::out_of_range);
}

TEST(JsonValue, EmptyContainers) {
    EXPECT_TRUE(parse_json("[]").as_array().empty());
    EXPECT_TRUE(parse_json("{}").as_object().empty());
    EXPECT_TRUE(parse_json("[ \n\t ]").as_array().empty());
}

TEST(JsonValue, PrettyAndCompactTextAreEqual) {
    JsonValue compact = parse_json(R"([{"id":1,"name":"x y","size":3}])");
    JsonValue pretty = parse_json("[\n  {\n    \"id\": 1,\n    \"name\": \"x y\",\n"
                                  "    \"size\": 3\n  }\n]\n");
    EXPECT_EQ(compact, pretty);
    EXPECT_NE(compact, parse_json(R"([{"id":1,"name":"x y","size":4}])"));
}

TEST(JsonValue, WrongKindNamesBoth) {
    try {
        (void)parse_json(R"("text")").as_uint();
        FAIL() << "no exception";
    } catch (const std::logic_error& e) {
        EXPECT_NE(std::string(e.what()).find("string"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("unsigned integer"), std::string::npos) << e.what();
    }
}

TEST(JsonValue, DumpRoundTrips) {
    const std::string text = R"({"a":[1,-2,2.5,"q\"\\\u0001",true,false,null],"b":{}})";
    JsonValue value = parse_json(text);
    EXPECT_EQ(value.dump(), text);
    EXPECT_EQ(parse_json(value.dump()), value);
}

class JsonRejects : public ::testing::TestWithParam<const char*> {};

TEST_P(JsonRejects, Malformed) {
    EXPECT_THROW(parse_json(GetParam()), JsonError) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Strictness, JsonRejects,
                         ::testing::Values("", "   ", "nul", "True", "[1,]", "{\"a\":1,}", "[1 2]",
                                           "{\"a\" 1}", "{a:1}", "{'a':1}", "01", "-", "1.", ".5",
                                           "1e", "+1", "0x10", "NaN", "Infinity", "1e400", "\"abc",
                                           "\"a\nb\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"",
                                           "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\xff\"",
                                           "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
                                           "\"\xf4\x90\x80\x80\"", "\"\xc3\"", "{\"a\":1,\"a\":2}",
                                           "[1] [2]", "[1] x", "// c\n1", "[", "{",
                                           "{\"a\":", "\"a\" \"b\""));

TEST(JsonValue, NestingIsBounded) {
    EXPECT_THROW(parse_json(std::string(100000, '[') + std::string(100000, ']')), JsonError);
}

std::string nested_arrays(int depth) {
    return std::string(static_cast<size_t>(depth), '[') + "1" +
           std::string(static_cast<size_t>(depth), ']');
}

std::string nested_objects(int depth) {
    std::string text;
    for (int i = 0; i < depth; ++i)
        text += R"({"a":)";
    return text + "1" + std::string(static_cast<size_t>(depth), '}');
}

TEST(JsonValue, NestingLimitIsExact) {
    EXPECT_NO_THROW(parse_json(nested_arrays(kMaxJsonDepth)));
    EXPECT_NO_THROW(parse_json(nested_objects(kMaxJsonDepth)));
    EXPECT_THROW(parse_json(nested_arrays(kMaxJsonDepth + 1)), JsonError);
    EXPECT_THROW(parse_json(nested_objects(kMaxJsonDepth + 1)), JsonError);
    EXPECT_THROW(parse_json("[" + nested_objects(kMaxJsonDepth) + "]"), JsonError);
}

TEST(JsonValue, ErrorCarriesOffset) {
    try {
        parse_json("[1, 2, x]");
        FAIL() << "no exception";
    } catch (const JsonError& e) {
        EXPECT_EQ(e.offset(), 7u) << e.what();
    }
}

TEST(JsonValue, DuplicateKeyReasonStaysOnOneLine) {
    try {
        parse_json(R"({"a\nb":1,"a\nb":2})");
        FAIL() << "no exception";
    } catch (const JsonError& e) {
        EXPECT_EQ(std::string(e.what()), R"(duplicate key "a\nb" at offset 10)");
        EXPECT_EQ(e.offset(), 10u);
    }
}

// The reasons are streamd's, not the JSON library's: they reach browsers in close frames, so
// they are short, on one line, and never quote the text.
struct Refusal {
    std::string text;
    std::string what;
};

void PrintTo(const Refusal& r, std::ostream* os) {
    *os << ::testing::PrintToString(r.text);
}

class JsonReasons : public ::testing::TestWithParam<Refusal> {};

TEST_P(JsonReasons, AreStreamdsOwn) {
    try {
        parse_json(GetParam().text);
        FAIL() << "no exception";
    } catch (const JsonError& e) {
        EXPECT_EQ(std::string(e.what()), GetParam().what);
    }
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, JsonReasons,
    ::testing::Values(
        Refusal{"", "unexpected end of text at offset 0"},
        Refusal{"[1,", "unexpected end of text at offset 3"},
        Refusal{"[1,]", "unexpected character at offset 3"},
        Refusal{"+1", "unexpected character at offset 0"},
        Refusal{std::string("[1,\0]", 5), "unexpected character at offset 3"},
        Refusal{"\xef\xbb\xbf{}", "unexpected character at offset 0"},
        Refusal{"[nul]", "invalid literal at offset 4"},
        Refusal{"[1 2]", "expected ']' at offset 3"},
        Refusal{R"({"a":1])", "expected '}' at offset 6"},
        Refusal{R"({"a" 1})", "expected ':' at offset 5"},
        Refusal{R"({"a":1,})", "expected a string as object key at offset 7"},
        Refusal{"{a:1}", "expected a string as object key at offset 1"},
        Refusal{"[1] x", "unexpected text after the value at offset 4"},
        Refusal{std::string("{}\0", 3), "unexpected text after the value at offset 2"},
        Refusal{"[01]", "leading zero in number at offset 2"},
        Refusal{"-", "expected a digit at offset 1"},
        Refusal{"1.x", "expected a digit after '.' at offset 2"},
        Refusal{"1e+", "expected a digit in the exponent at offset 3"},
        Refusal{"[1e400]", "number out of range at offset 1"},
        Refusal{R"("abc)", "unterminated string at offset 4"},
        Refusal{"\"a\tb\"", "control character in string at offset 2"},
        Refusal{R"("\x")", "invalid escape at offset 2"},
        Refusal{R"("\)", "unterminated escape at offset 2"},
        Refusal{R"("\u12x4")", "invalid hex digit in \\u escape at offset 5"},
        Refusal{R"("\u12)", "truncated \\u escape at offset 5"},
        Refusal{R"("\ud800x")", "high surrogate without a low one at offset 7"},
        Refusal{R"("\udc00")", "unpaired low surrogate at offset 6"},
        Refusal{"\"\xc3(\"", "invalid UTF-8 at offset 2"},
        Refusal{"\"\xe2\x82", "truncated UTF-8 at offset 3"},
        Refusal{"[[" + nested_arrays(kMaxJsonDepth) + "]]", "nested too deeply at offset 32"}));

std::string json_string(std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
}

TEST(JsonString, PlainAndEscapedStrings) {
    EXPECT_EQ(json_string(""), R"("")");
    EXPECT_EQ(json_string("big.iso"), R"("big.iso")");
    EXPECT_EQ(json_string("say \"hi\""), R"("say \"hi\"")");
    EXPECT_EQ(json_string("a\\b"), R"("a\\b")");
    EXPECT_EQ(json_string("/"), R"("/")");
}

TEST(JsonString, ControlCharacters) {
    EXPECT_EQ(json_string("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(json_string(std::string_view("\0", 1)), R"("\u0000")");
    EXPECT_EQ(json_string("\x01\x1f\x7f"), R"("\u0001\u001f\u007f")");
    EXPECT_EQ(json_string("\x1b[31m"), R"("\u001b[31m")");
}

TEST(JsonString, ValidUtf8PassesThrough) {
    EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
    EXPECT_EQ(json_string("\xe2\x82\xac"), "\"\xe2\x82\xac\"");         // U+20AC
    EXPECT_EQ(json_string("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\""); // U+1F600
    EXPECT_EQ(json_string("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");         // U+FFFD itself
}

TEST(JsonString, BytesThatAreNotUtf8BecomeReplacementCharacters) {
    EXPECT_EQ(json_string("\xff"), R"("\ufffd")");
    EXPECT_EQ(json_string("a\x80z"), R"("a\ufffdz")");
    EXPECT_EQ(json_string("\xc3"), R"("\ufffd")");                     // cut short at the end
    EXPECT_EQ(json_string("\xc3z"), R"("\ufffdz")");                   // cut short by ASCII
    EXPECT_EQ(json_string("\xe2\x82"), R"("\ufffd")");                 // one maximal subpart
    EXPECT_EQ(json_string("\xc0\xaf"), R"("\ufffd\ufffd")");           // overlong '/'
    EXPECT_EQ(json_string("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")"); // surrogate
    EXPECT_EQ(json_string("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")"); // > U+10FFFF
    EXPECT_EQ(json_string("\xf0\x9f\x98"), R"("\ufffd")");
}

TEST(JsonString, ReadsBackAsWritten) {
    for (std::string_view s : {"", "a\"b\\c", "\b\f\n\r\t\x01\x7f", "caf\xc3\xa9 \xf0\x9f\x98\x80"})
        EXPECT_EQ(parse_json(json_string(s)).as_string(), s);
    EXPECT_EQ(parse_json(json_string("a\xffz\xed\xa0\x80")).as_string(),
              "a\xef\xbf\xbdz\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

} // namespace
} // namespace streamd::proto

// Names from the network are the one thing a peer controls on the receiver's disk, so
// every way of escaping the incoming folder or hiding bytes in a name must be refused.
#include "file_name.hpp"
#include "native_frames.hpp"
#include "utf8.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::proto {
namespace {

std::string repeat(std::string_view piece, size_t times) {
    std::string s;
    for (size_t i = 0; i < times; ++i)
        s += piece;
    return s;
}

// Shows the bytes of a name in a failure, since many of them are unprintable.
std::string escaped(std::string_view s) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (char c : s) {
        auto b = static_cast<unsigned char>(c);
        if (b >= 0x20 && b < 0x7f) {
            out += c;
        } else {
            out += "\\x";
            out += digits[b >> 4];
            out += digits[b & 15];
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------
// name_problem

TEST(FileName, AcceptsOrdinaryNames) {
    const std::vector<std::string> names{
        "a",
        "report.pdf",
        "archive.tar.gz",
        "photo 2024-01-01 (1).jpg",
        "  leading and trailing spaces  ",
        ".bashrc",
        "...",
        "..hidden",
        "a.",
        ".streamd", // only the full prefix with its dash is reserved
        "streamd-x",
        "back\\slash",
        "tab-free_name~#%&+,;=@[]{}'!$",
    };
    for (const auto& name : names)
        EXPECT_EQ(name_problem(name), std::nullopt) << escaped(name);
}

TEST(FileName, AcceptsUnicodeNames) {
    const std::vector<std::string> names{
        "Ünïcödé.txt",
        "日本語のファイル.txt",
        "Привет мир.doc",
        "emoji 😀.png",
        "\xC2\x80 lowest two-byte",
        "\xF4\x8F\xBF\xBF highest code point",
        "non-breaking\xC2\xA0space",
    };
    for (const auto& name : names)
        EXPECT_EQ(name_problem(name), std::nullopt) << escaped(name);
}

TEST(FileName, AcceptsNamesOf255Bytes) {
    EXPECT_EQ(name_problem(std::string(255, 'a')), std::nullopt);
    // 85 three-byte characters.
    std::string euros = repeat("€", 85);
    ASSERT_EQ(euros.size(), kMaxName);
    EXPECT_EQ(name_problem(euros), std::nullopt);
    // 63 four-byte characters and three ASCII ones.
    std::string emoji = repeat("😀", 63) + "abc";
    ASSERT_EQ(emoji.size(), kMaxName);
    EXPECT_EQ(name_problem(emoji), std::nullopt);
}

TEST(FileName, RejectsNamesOver255Bytes) {
    EXPECT_NE(name_problem(std::string(256, 'a')), std::nullopt);
    EXPECT_NE(name_problem(std::string(4000, 'a')), std::nullopt);
    EXPECT_NE(name_problem(repeat("€", 85) + "a"), std::nullopt);
    EXPECT_NE(name_problem(repeat("€", 86)), std::nullopt);
}

TEST(FileName, RejectsEmptyAndDotNames) {
    EXPECT_NE(name_problem(""), std::nullopt);
    EXPECT_NE(name_problem("."), std::nullopt);
    EXPECT_NE(name_problem(".."), std::nullopt);
}

TEST(FileName, RejectsPaths) {
    const std::vector<std::string> names{
        "a/b", "../x", "/etc/passwd", "/", "a/", "/a", "./a", "x/../../y", "..//..",
    };
    for (const auto& name : names)
        EXPECT_NE(name_problem(name), std::nullopt) << escaped(name);
}

TEST(FileName, RejectsControlBytes) {
    const std::vector<std::string> names{
        std::string("\0", 1),
        std::string("a\0b", 3),
        std::string("name.txt\0.jpg", 13),
        "a\x01z",
        "\x1f",
        "a\x7f",
        "line\nbreak",
        "carriage\rreturn",
        "tab\there",
        "escape\x1b[31mred",
    };
    for (const auto& name : names)
        EXPECT_NE(name_problem(name), std::nullopt) << escaped(name);
    for (int c = 0; c < 0x20; ++c)
        EXPECT_NE(name_problem(std::string("x") + static_cast<char>(c)), std::nullopt) << c;
}

TEST(FileName, RejectsInvalidUtf8) {
    const std::vector<std::string> names{
        "overlong \xC0\xAF",      // '/' in two bytes
        "overlong \xE0\x80\xAF",  // '/' in three bytes
        "surrogate \xED\xA0\x80", // U+D800
        "surrogate \xED\xBF\xBF", // U+DFFF
        "truncated \xE2\x82",     // the first two bytes of '€'
        "truncated \xF0\x9F\x98", // the first three bytes of an emoji
        "\xE2\x82 truncated early",
        "too high \xF4\x90\x80\x80", // U+110000
        "lone \x80 continuation",
        "latin-1 caf\xE9", // ISO 8859-1, not UTF-8
        "\xFF\xFE",        // never valid anywhere
    };
    for (const auto& name : names)
        EXPECT_NE(name_problem(name), std::nullopt) << escaped(name);
}

TEST(FileName, RejectsThePartialFilePrefix) {
    EXPECT_NE(name_problem(".streamd-"), std::nullopt);
    EXPECT_NE(name_problem(".streamd-a0a1a2a3a4a5a6a7a8a9aaabacadaeaf.part"), std::nullopt);
    EXPECT_NE(name_problem(".streamd-anything"), std::nullopt);
    EXPECT_EQ(name_problem("x.streamd-y"), std::nullopt);
}

TEST(FileName, ProblemsAreOneLine) {
    const std::vector<std::string> names{
        "", "..", "a/b", "a\nb", "\xC0\xAF", ".streamd-x", std::string(300, 'x')};
    for (const auto& name : names) {
        auto problem = name_problem(name);
        ASSERT_NE(problem, std::nullopt) << escaped(name);
        EXPECT_FALSE(problem->empty());
        EXPECT_EQ(problem->find('\n'), std::string::npos) << *problem;
    }
}

// ---------------------------------------------------------------------------------------
// bare_name

TEST(FileName, BareName) {
    EXPECT_EQ(bare_name("a"), "a");
    EXPECT_EQ(bare_name("dir/a"), "a");
    EXPECT_EQ(bare_name("/abs/dir/a"), "a");
    EXPECT_EQ(bare_name("dir/"), "dir");
    EXPECT_EQ(bare_name("a//"), "a");
    EXPECT_EQ(bare_name("./a.txt"), "a.txt");
    EXPECT_EQ(bare_name("/abs/dir///"), "dir");
    EXPECT_EQ(bare_name("dir/Ünïcödé file.txt"), "Ünïcödé file.txt");
}

TEST(FileName, BareNameOfAPathIsOfferable) {
    for (std::string_view path :
         {"/home/user/report.pdf", "rel/dir/data.bin", "photos/", "/var/tmp//x"})
        EXPECT_EQ(name_problem(bare_name(path)), std::nullopt) << path;
}

// ---------------------------------------------------------------------------------------
// valid_utf8

TEST(Utf8, AcceptsWellFormedText) {
    const std::vector<std::string> texts{
        "",
        "plain ASCII",
        std::string("embedded\0NUL", 12), // U+0000 is a character like any other
        "\x7f",
        "\xC2\x80",         // U+0080
        "\xDF\xBF",         // U+07FF
        "\xE0\xA0\x80",     // U+0800
        "\xED\x9F\xBF",     // U+D7FF, just below the surrogates
        "\xEE\x80\x80",     // U+E000, just above them
        "\xEF\xBF\xBF",     // U+FFFF
        "\xF0\x90\x80\x80", // U+10000
        "\xF4\x8F\xBF\xBF", // U+10FFFF
        "mixed: a é € 😀 z",
    };
    for (const auto& s : texts)
        EXPECT_TRUE(valid_utf8(s)) << escaped(s);
}

TEST(Utf8, RejectsMalformedText) {
    const std::vector<std::string> texts{
        "\x80", // lone continuation bytes
        "\xBF",
        "a\x80z",
        "\xC0\xAF", // overlong
        "\xC1\xBF",
        "\xE0\x80\xAF",
        "\xE0\x9F\xBF",
        "\xF0\x80\x80\xAF",
        "\xF0\x8F\xBF\xBF",
        "\xED\xA0\x80", // surrogates
        "\xED\xAF\xBF",
        "\xED\xB0\x80",
        "\xED\xBF\xBF",
        "\xF4\x90\x80\x80", // past U+10FFFF
        "\xF5\x80\x80\x80",
        "\xF7\xBF\xBF\xBF",
        "\xF8\x88\x80\x80\x80", // five- and six-byte forms
        "\xFC\x84\x80\x80\x80\x80",
        "\xFE",
        "\xFF",
        "\xC3", // truncated
        "\xE2\x82",
        "\xF0\x9F\x98",
        "ok\xC3",
        "\xC3z", // a continuation replaced by ASCII
        "\xE2\x82z",
        "\xF0\x9F\x98z",
        "\xE2\x28\xA1",
        "\xC3\xC3\xA9", // a lead byte where a continuation belongs
    };
    for (const auto& s : texts)
        EXPECT_FALSE(valid_utf8(s)) << escaped(s);
}

// The well-formed byte sequences of the Unicode standard (table 3-7), written the way the
// standard states them, independently of the validator under test.
size_t well_formed_prefix(const uint8_t* p, size_t n) {
    auto in = [](uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; };
    if (n == 0) return 0;
    uint8_t b0 = p[0];
    if (b0 <= 0x7F) return 1;
    size_t len = 0;
    uint8_t lo = 0x80, hi = 0xBF;
    if (in(b0, 0xC2, 0xDF)) {
        len = 2;
    } else if (b0 == 0xE0) {
        len = 3, lo = 0xA0;
    } else if (in(b0, 0xE1, 0xEC) || in(b0, 0xEE, 0xEF)) {
        len = 3;
    } else if (b0 == 0xED) {
        len = 3, hi = 0x9F;
    } else if (b0 == 0xF0) {
        len = 4, lo = 0x90;
    } else if (in(b0, 0xF1, 0xF3)) {
        len = 4;
    } else if (b0 == 0xF4) {
        len = 4, hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || !in(p[1], lo, hi)) return 0;
    for (size_t i = 2; i < len; ++i)
        if (!in(p[i], 0x80, 0xBF)) return 0;
    return len;
}

bool reference_valid(const std::string& s) {
    auto p = reinterpret_cast<const uint8_t*>(s.data());
    size_t i = 0;
    while (i < s.size()) {
        size_t n = well_formed_prefix(p + i, s.size() - i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

TEST(Utf8, AgreesWithTheStandardOnEveryShortString) {
    std::string s;
    size_t mismatches = 0;
    std::string first;
    auto check = [&] {
        if (valid_utf8(s) != reference_valid(s) && mismatches++ == 0) first = escaped(s);
    };
    for (int a = 0; a < 256; ++a) {
        s.assign(1, static_cast<char>(a));
        check();
        for (int b = 0; b < 256; ++b) {
            s.assign({static_cast<char>(a), static_cast<char>(b)});
            check();
            for (int c = 0; c < 256; ++c) {
                s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
                check();
            }
        }
    }
    EXPECT_EQ(mismatches, 0u) << "first: " << first;
}

TEST(Utf8, AgreesWithTheStandardOnFourByteForms) {
    // Every lead and second byte, with the last two bytes from a set that covers each
    // class: ASCII, both ends of the continuation range and a lead byte.
    const uint8_t tails[] = {0x41, 0x80, 0xBF, 0xC3};
    size_t mismatches = 0;
    std::string first;
    for (int a = 0xF0; a < 0x100; ++a)
        for (int b = 0; b < 256; ++b)
            for (uint8_t c : tails)
                for (uint8_t d : tails) {
                    std::string s{static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                                  static_cast<char>(d)};
                    if (valid_utf8(s) != reference_valid(s) && mismatches++ == 0)
                        first = escaped(s);
                }
    EXPECT_EQ(mismatches, 0u) << "first: " << first;
}

TEST(Utf8, DecodesStepByStep) {
    const auto ascii = decode_utf8_step("A", 0);
    EXPECT_TRUE(ascii.valid);
    EXPECT_EQ(ascii.code_point, U'A');
    EXPECT_EQ(ascii.length, 1u);
    const auto euro = decode_utf8_step("x\xe2\x82\xac", 1);
    EXPECT_TRUE(euro.valid);
    EXPECT_EQ(euro.code_point, U'\u20AC');
    EXPECT_EQ(euro.length, 3u);
    const auto cut = decode_utf8_step("\xe2\x82z", 0);
    EXPECT_FALSE(cut.valid);
    EXPECT_EQ(cut.length, 2u);
}

} // namespace
} // namespace streamd::proto

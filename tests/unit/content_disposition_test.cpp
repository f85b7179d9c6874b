#include "content_disposition.hpp"

#include <gtest/gtest.h>

namespace streamd::proto::http {
namespace {

TEST(ContentDisposition, PlainAsciiNames) {
    EXPECT_EQ(attachment_disposition("report.pdf"),
              "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
}

TEST(ContentDisposition, SpacesAndUtf8AreEncodedWithAnAsciiFallback) {
    EXPECT_EQ(attachment_disposition("a b \xc3\xbc\xe2\x82\xac.txt"),
              "attachment; filename=\"a b __.txt\"; "
              "filename*=UTF-8''a%20b%20%C3%BC%E2%82%AC.txt");
}

TEST(ContentDisposition, QuotesAndBackslashesCannotEndTheQuotedName) {
    EXPECT_EQ(attachment_disposition("say \"hi\"\\.txt"),
              "attachment; filename=\"say _hi__.txt\"; filename*=UTF-8''say%20%22hi%22%5C.txt");
}

TEST(ContentDisposition, SeparatorsAreEncoded) {
    EXPECT_EQ(attachment_disposition("a;b=c,d'e%f"),
              "attachment; filename=\"a;b=c,d'e%f\"; filename*=UTF-8''a%3Bb%3Dc%2Cd%27e%25f");
}

} // namespace
} // namespace streamd::proto::http

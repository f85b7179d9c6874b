// The request-head parser against RFC 9112: what it takes, each thing it refuses and with
// which status, its limits to the byte, and that a head arriving in pieces gets the same
// verdict as one arriving whole.
#include "http_request.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::http {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Views in the result point into `text`: callers keep it alive, a temporary will not do.
Request expect_request(std::string_view text) {
    auto result = parse_request(bytes(text));
    if (auto* error = std::get_if<RequestError>(&result))
        ADD_FAILURE() << "refused with " << status_line(error->status) << ": " << error->reason
                      << "\n"
                      << text;
    else if (std::holds_alternative<NeedMore>(result))
        ADD_FAILURE() << "asks for more\n" << text;
    auto* request = std::get_if<Request>(&result);
    return request ? *request : Request{};
}

Status expect_error(std::string_view text) {
    auto result = parse_request(bytes(text));
    auto* error = std::get_if<RequestError>(&result);
    if (!error) {
        ADD_FAILURE() << "not refused\n" << text;
        return Status{};
    }
    EXPECT_FALSE(error->reason.empty());
    EXPECT_EQ(error->reason.find('\n'), std::string_view::npos);
    return error->status;
}

void expect_need_more(std::string_view text) {
    EXPECT_TRUE(std::holds_alternative<NeedMore>(parse_request(bytes(text)))) << text;
}

std::string with_fields(std::string_view fields) {
    return "GET / HTTP/1.1\r\nHost: example.org\r\n" + std::string(fields) + "\r\n";
}

// Fed to one parser a byte more at a time, as a socket might deliver it.
ParseResult parse_bytewise(std::string_view text) {
    RequestParser parser;
    ParseResult result = NeedMore{};
    for (size_t n = 1; n <= text.size(); ++n) {
        result = parser.parse(bytes(text.substr(0, n)));
        if (!std::holds_alternative<NeedMore>(result)) break;
    }
    return result;
}

// ---------------------------------------------------------------------------------------
// What is accepted

TEST(HttpRequest, ParsesARequestHead) {
    std::string_view text = "GET /files/a.iso?x=1 HTTP/1.1\r\n"
                            "Host: example.org:7740\r\n"
                            "User-Agent: curl/7.88.1\r\n"
                            "Accept: */*\r\n"
                            "\r\n"
                            "body bytes";
    Request r = expect_request(text);
    EXPECT_EQ(r.method, Method::Get);
    EXPECT_EQ(r.target, "/files/a.iso?x=1");
    EXPECT_EQ(r.version, Version::Http11);
    const std::vector<Header> expected{
        {"Host", "example.org:7740"}, {"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}};
    EXPECT_EQ(r.headers, expected);
    EXPECT_FALSE(r.content_length);
    EXPECT_EQ(r.head_size, text.find("body"));
}

TEST(HttpRequest, EveryImplementedMethod) {
    const std::vector<std::pair<const char*, Method>> methods{
        {"GET", Method::Get},        {"HEAD", Method::Head},   {"POST", Method::Post},
        {"PUT", Method::Put},        {"PATCH", Method::Patch}, {"DELETE", Method::Delete},
        {"OPTIONS", Method::Options}};
    for (auto [name, method] : methods) {
        std::string text = std::string(name) + " / HTTP/1.1\r\nHost: h\r\n\r\n";
        EXPECT_EQ(expect_request(text).method, method) << name;
        EXPECT_STREQ(to_string(method), name);
    }
}

TEST(HttpRequest, BareLfLineEndsAreAccepted) {
    // RFC 9112 2.2: a recipient may take LF alone as a line terminator.
    std::string_view text = "GET / HTTP/1.1\nHost: h\nX-A: 1\r\nX-B: 2\n\nrest";
    Request r = expect_request(text);
    ASSERT_EQ(r.headers.size(), 3u);
    EXPECT_EQ(r.headers[1], (Header{"X-A", "1"}));
    EXPECT_EQ(r.headers[2], (Header{"X-B", "2"}));
    EXPECT_EQ(r.head_size, text.find("rest"));
}

TEST(HttpRequest, EmptyLinesBeforeTheRequestLineAreSkipped) {
    std::string_view text = "\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
    Request r = expect_request(text);
    EXPECT_EQ(r.target, "/");
    EXPECT_EQ(r.head_size, text.size());
}

TEST(HttpRequest, ValuesLoseSurroundingWhitespaceOnly) {
    const std::string text = with_fields("X-A: \t a  b \t\r\nX-B:c\r\nX-C:   \r\nX-D:\r\n");
    Request r = expect_request(text);
    ASSERT_EQ(r.headers.size(), 5u);
    EXPECT_EQ(r.headers[1].value, "a  b");
    EXPECT_EQ(r.headers[2].value, "c");
    EXPECT_EQ(r.headers[3].value, "");
    EXPECT_EQ(r.headers[4].value, "");
}

TEST(HttpRequest, ValuesMayHoldObsText) {
    const std::string text = with_fields("X-Name: caf\xC3\xA9 \x80\xFF\r\n");
    Request r = expect_request(text);
    EXPECT_EQ(r.find("x-name"), "caf\xC3\xA9 \x80\xFF");
}

TEST(HttpRequest, NamesAreFoundWithoutRegardToCase) {
    const std::string text = with_fields("content-TYPE: text/plain\r\nX-Twice: 1\r\n"
                                         "x-twice: 2\r\n");
    Request r = expect_request(text);
    EXPECT_EQ(r.find("Content-Type"), "text/plain");
    EXPECT_EQ(r.find("HOST"), "example.org");
    EXPECT_EQ(r.find("X-TWICE"), "1");
    EXPECT_EQ(r.count("x-Twice"), 2u);
    EXPECT_EQ(r.count("Content-Length"), 0u);
    EXPECT_FALSE(r.find("Content-Length"));
    // Only ASCII letters fold: other bytes must match exactly.
    EXPECT_FALSE(equal_ignoring_case("\xC3\xA9", "\xC3\x89"));
    EXPECT_TRUE(equal_ignoring_case("Sec-WebSocket-Key", "sec-websocket-key"));
    EXPECT_FALSE(equal_ignoring_case("Host", "Hos"));
}

TEST(HttpRequest, Http10NeedsNoHost) {
    Request r = expect_request("GET / HTTP/1.0\r\n\r\n");
    EXPECT_EQ(r.version, Version::Http10);
    EXPECT_TRUE(r.headers.empty());
}

TEST(HttpRequest, HigherMinorVersionIsServedAs11) {
    // RFC 9110 6.2.
    EXPECT_EQ(expect_request("GET / HTTP/1.9\r\nHost: h\r\n\r\n").version, Version::Http11);
}

TEST(HttpRequest, TargetForms) {
    EXPECT_EQ(expect_request("GET /a/b?c=d&e HTTP/1.1\r\nHost: h\r\n\r\n").target, "/a/b?c=d&e");
    // RFC 9112 3.2.2: a server must accept absolute-form.
    EXPECT_EQ(expect_request("GET http://h:1/x HTTP/1.1\r\nHost: h\r\n\r\n").target,
              "http://h:1/x");
    EXPECT_EQ(expect_request("GET HTTPS://h HTTP/1.1\r\nHost: h\r\n\r\n").target, "HTTPS://h");
    EXPECT_EQ(expect_request("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").target, "*");
    // Characters that browsers leave unescaped.
    EXPECT_EQ(expect_request("GET /a|b^{c}`d\\ HTTP/1.1\r\nHost: h\r\n\r\n").target,
              "/a|b^{c}`d\\");
}

TEST(HttpRequest, ContentLength) {
    EXPECT_EQ(expect_request(with_fields("Content-Length: 0\r\n")).content_length, 0u);
    EXPECT_EQ(expect_request(with_fields("Content-Length: 1234\r\n")).content_length, 1234u);
    EXPECT_EQ(expect_request(with_fields("Content-Length: 007\r\n")).content_length, 7u);
    EXPECT_EQ(
        expect_request(with_fields("Content-Length: 18446744073709551615\r\n")).content_length,
        UINT64_MAX);
    // The same length twice is the same framing (RFC 9110 8.6).
    EXPECT_EQ(
        expect_request(with_fields("Content-Length: 5\r\ncontent-length: 5\r\n")).content_length,
        5u);
}

TEST(HttpRequest, SixtyFourFieldsFit) {
    std::string fields;
    for (int i = 1; i < 64; ++i)
        fields += "X-" + std::to_string(i) + ": v\r\n";
    std::string text = with_fields(fields);
    EXPECT_EQ(expect_request(text).headers.size(), kMaxHeaders);
    EXPECT_EQ(expect_error(with_fields(fields + "X-64: v\r\n")), Status::HeadersTooLarge);
}

TEST(HttpRequest, TargetOf4KiBFits) {
    std::string target = "/" + std::string(kMaxTarget - 1, 'a');
    std::string text = "GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n";
    EXPECT_EQ(expect_request(text).target, target);
    std::string longer = "GET " + target + "a HTTP/1.1\r\nHost: h\r\n\r\n";
    EXPECT_EQ(expect_error(longer), Status::UriTooLong);
}

TEST(HttpRequest, HeadOf16KiBFits) {
    std::string head = with_fields("");
    std::string padding = "X-Pad: " + std::string(kMaxHead - head.size() - 9, 'p') + "\r\n";
    std::string text = with_fields(padding);
    ASSERT_EQ(text.size(), kMaxHead);
    EXPECT_EQ(expect_request(text).head_size, kMaxHead);

    std::string over =
        with_fields("X-Pad: " + std::string(kMaxHead - head.size() - 8, 'p') + "\r\n");
    ASSERT_EQ(over.size(), kMaxHead + 1);
    EXPECT_EQ(expect_error(over), Status::HeadersTooLarge);
}

TEST(HttpRequest, VerdictWithinABufferOf16KiB) {
    // A caller with a buffer of kMaxHead bytes must never be asked for more.
    std::string endless = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: " + std::string(kMaxHead, 'p');
    EXPECT_EQ(expect_error(std::string_view(endless).substr(0, kMaxHead)), Status::HeadersTooLarge);
    expect_need_more(std::string_view(endless).substr(0, kMaxHead - 1));
    std::string many_lines;
    while (many_lines.size() < kMaxHead)
        many_lines += "\r\n";
    EXPECT_EQ(expect_error(std::string_view(many_lines).substr(0, kMaxHead)),
              Status::HeadersTooLarge);
}

// ---------------------------------------------------------------------------------------
// What is refused

TEST(HttpRequest, UnknownMethodsAreNotImplemented) {
    for (std::string_view method :
         {"PATCHES", "CONNECT", "TRACE", "PRI", "get", "Get", "OPTIONSX"}) {
        std::string text = std::string(method) + " / HTTP/1.1\r\nHost: h\r\n\r\n";
        EXPECT_EQ(expect_error(text), Status::NotImplemented) << method;
    }
    // Refused as soon as the token is longer than any method served.
    EXPECT_EQ(expect_error("ABCDEFGH"), Status::NotImplemented);
    expect_need_more("OPTIONS");
}

TEST(HttpRequest, MalformedRequestLines) {
    for (std::string_view line : {
             " GET / HTTP/1.1",     // whitespace first
             "GET  / HTTP/1.1",     // two spaces: an empty target
             "GET\t/ HTTP/1.1",     // a tab for a space
             "G@T / HTTP/1.1",      // not a token
             "GET / HTTP/1.1 ",     // trailing space
             "GET /  HTTP/1.1",     // two spaces before the version
             "GET /",               // no version
             "GET / HTTP/1",        // no minor version
             "GET / http/1.1",      // version names are case-sensitive
             "GET / HTTP/1.1.1",    // too long
             "GET / HTTP/10.0",     // two digits
             "GET / HTTP/1,1",      // not a dot
             "GET\r\n",             // nothing after the method
             "GET / \r\n",          // an empty version
             "GET a HTTP/1.1",      // not a path
             "GET * HTTP/1.1",      // asterisk-form belongs to OPTIONS
             "GET http:// HTTP/1.1" // no authority
         }) {
        std::string text = std::string(line) + "\r\nHost: h\r\n\r\n";
        EXPECT_EQ(expect_error(text), Status::BadRequest) << line;
    }
    // Without fields to trip over, so that only the request line can be at fault.
    EXPECT_EQ(expect_error("GET / HTTP/1.0 \r\n\r\n"), Status::BadRequest);
    EXPECT_EQ(expect_error("GET / HTTP/1.00\r\n\r\n"), Status::BadRequest);
}

TEST(HttpRequest, TargetBytesAreLimitedToPrintableAscii) {
    for (std::string_view target : {"/a\x01", "/a\x7F", "/\xC3\xA9", "/a#frag", "/a\tb"}) {
        std::string text = "GET " + std::string(target) + " HTTP/1.1\r\nHost: h\r\n\r\n";
        EXPECT_EQ(expect_error(text), Status::BadRequest) << target;
    }
    using namespace std::string_literals;
    EXPECT_EQ(expect_error("GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n"s), Status::BadRequest);
}

TEST(HttpRequest, LongTargetIsRefusedBeforeTheLineEnds) {
    std::string text = "GET /" + std::string(kMaxTarget, 'a');
    EXPECT_EQ(expect_error(text), Status::UriTooLong);
    expect_need_more(std::string_view(text).substr(0, text.size() - 1));
}

TEST(HttpRequest, OtherMajorVersionsAreNotSupported) {
    for (std::string_view version : {"HTTP/2.0", "HTTP/0.9", "HTTP/3.0", "HTTP/9.9"}) {
        std::string text = "GET / " + std::string(version) + "\r\nHost: h\r\n\r\n";
        EXPECT_EQ(expect_error(text), Status::VersionNotSupported) << version;
    }
}

TEST(HttpRequest, LineFoldingIsRefused) {
    EXPECT_EQ(expect_error(with_fields("X-A: one\r\n two\r\n")), Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("X-A: one\r\n\ttwo\r\n")), Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("X-A: one\n two\n")), Status::BadRequest);
    // Whitespace before the first field is a fold of the request line.
    EXPECT_EQ(expect_error("GET / HTTP/1.1\r\n Host: h\r\n\r\n"), Status::BadRequest);
}

TEST(HttpRequest, BareCrIsRefused) {
    EXPECT_EQ(expect_error("GET / HTTP/1.1\rHost: h\r\n\r\n"), Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("X-A: a\rb\r\n")), Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("X-A: a\r\r\n")), Status::BadRequest);
    EXPECT_EQ(expect_error("GET / HTTP/1.1\r\nHost: h\r\n\rX"), Status::BadRequest);
    EXPECT_EQ(expect_error("\rGET / HTTP/1.1\r\nHost: h\r\n\r\n"), Status::BadRequest);
    // A CR at the end of what has arrived may still be followed by LF.
    expect_need_more("GET / HTTP/1.1\r");
    expect_need_more("GET / HTTP/1.1\r\nHost: h\r");
}

TEST(HttpRequest, ControlBytesInValuesAreRefused) {
    using namespace std::string_literals;
    EXPECT_EQ(expect_error(with_fields("X-A: a\0b\r\n"s)), Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("X-A: \0\r\n"s)), Status::BadRequest);
    for (char c : {'\x01', '\x08', '\x0B', '\x0C', '\x1F', '\x7F'}) {
        std::string fields = "X-A: a"s + c + "b\r\n";
        EXPECT_EQ(expect_error(with_fields(fields)), Status::BadRequest) << int(c);
    }
}

TEST(HttpRequest, MalformedFieldNames) {
    using namespace std::string_literals;
    for (const std::string& fields : {
             "X-A : v\r\n"s,  // whitespace before the colon
             "X-A\t: v\r\n"s, // a tab before the colon
             ": v\r\n"s,      // no name
             "X A: v\r\n"s,   // a space inside
             "X-A\0: v\r\n"s, // NUL
             "X-\x01: v\r\n"s,
             "X-\xC3\xA9: v\r\n"s, // not a token
             "X(A): v\r\n"s,
             "X-A v\r\n"s, // no colon
             "X-A\r\n"s,
         })
        EXPECT_EQ(expect_error(with_fields(fields)), Status::BadRequest) << fields;
}

TEST(HttpRequest, Http11NeedsExactlyOneValidHost) {
    EXPECT_EQ(expect_error("GET / HTTP/1.1\r\n\r\n"), Status::BadRequest);
    EXPECT_EQ(expect_error("GET / HTTP/1.1\r\nX-Host: h\r\n\r\n"), Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("Host: other.org\r\n")), Status::BadRequest);
    EXPECT_EQ(expect_error("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), Status::BadRequest);
    EXPECT_EQ(expect_error("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), Status::BadRequest);
    EXPECT_EQ(expect_error("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), Status::BadRequest);
    // Empty is what RFC 9112 3.2 asks for when the target has no authority.
    EXPECT_EQ(expect_request("GET / HTTP/1.1\r\nHost:\r\n\r\n").find("Host"), "");
    EXPECT_EQ(expect_request("GET / HTTP/1.1\r\nHost: [::1]:7740\r\n\r\n").find("Host"),
              "[::1]:7740");
}

TEST(HttpRequest, ContentLengthMustBeAPlainDecimal) {
    for (std::string_view value : {"", "+1", "-1", "1.0", "0x10", "1 2", "12,12", "1e3", "١",
                                   "18446744073709551616", "99999999999999999999"}) {
        std::string fields = "Content-Length: " + std::string(value) + "\r\n";
        EXPECT_EQ(expect_error(with_fields(fields)), Status::BadRequest) << value;
    }
}

TEST(HttpRequest, ConflictingContentLengthsAreRefused) {
    EXPECT_EQ(expect_error(with_fields("Content-Length: 5\r\nContent-Length: 6\r\n")),
              Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("Content-Length: 5\r\nContent-Length: x\r\n")),
              Status::BadRequest);
}

TEST(HttpRequest, TransferEncoding) {
    EXPECT_EQ(expect_error(with_fields("Transfer-Encoding: chunked\r\n")), Status::NotImplemented);
    EXPECT_EQ(expect_error(with_fields("transfer-encoding: gzip, chunked\r\n")),
              Status::NotImplemented);
    // Two framings at once are how requests are smuggled.
    EXPECT_EQ(expect_error(with_fields("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")),
              Status::BadRequest);
    EXPECT_EQ(expect_error(with_fields("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n")),
              Status::BadRequest);
    EXPECT_EQ(expect_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
              Status::BadRequest);
}

TEST(HttpRequest, IncompleteHeadsAskForMore) {
    expect_need_more("");
    expect_need_more("\r\n");
    expect_need_more("G");
    expect_need_more("GET /index.html HTTP/1.");
    expect_need_more("GET / HTTP/1.1\r\nHost: h\r\n");
    expect_need_more("GET / HTTP/1.1\r\nHost: h\r\n\r");
}

// ---------------------------------------------------------------------------------------
// Incremental parsing

TEST(HttpRequest, ByteByByteGivesTheSameVerdictAsWhole) {
    using namespace std::string_literals;
    const std::vector<std::string> heads{
        "GET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "\r\nPOST /up HTTP/1.1\nHost: h\nContent-Length: 3\n\nabc",
        // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one head over three lines
        "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX\0: v\r\n\r\n"s,
        "GET / HTTP/2.0\r\n\r\n",
        "BREW /pot HTTP/1.1\r\n\r\n",
        "GET /" + std::string(kMaxTarget + 10, 'x') + " HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nX: " + std::string(kMaxHead, 'x'),
        "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\rX",
    };
    for (const auto& text : heads) {
        auto whole = parse_request(bytes(text));
        EXPECT_FALSE(std::holds_alternative<NeedMore>(whole)) << text;
        EXPECT_EQ(parse_bytewise(text), whole) << text;
        // And every prefix, parsed afresh, either asks for more or agrees.
        for (size_t n = 0; n <= std::min(text.size(), size_t{300}); ++n) {
            auto prefix = parse_request(bytes(std::string_view(text).substr(0, n)));
            if (!std::holds_alternative<NeedMore>(prefix)) {
                EXPECT_EQ(prefix, whole) << n;
            }
        }
    }
}

TEST(HttpRequest, ParserResumesOnAMovedBuffer) {
    std::string_view text = "GET /x HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n\r\n";
    RequestParser parser;
    std::vector<uint8_t> buffer(text.begin(), text.begin() + 20);
    EXPECT_TRUE(std::holds_alternative<NeedMore>(parser.parse(buffer)));
    buffer.assign(text.begin(), text.end());
    buffer.shrink_to_fit();
    auto result = parser.parse(buffer);
    auto* request = std::get_if<Request>(&result);
    ASSERT_TRUE(request);
    EXPECT_EQ(request->find("X-A"), "1");
    EXPECT_EQ(static_cast<const void*>(request->target.data()), buffer.data() + 4);
}

TEST(HttpRequest, VerdictIsRepeatedUntilReset) {
    std::string_view good = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
    std::string_view bad = "GET / HTTP/1.1\r\n\r\n";
    RequestParser parser;
    auto first = parser.parse(bytes(bad));
    ASSERT_TRUE(std::holds_alternative<RequestError>(first));
    EXPECT_EQ(parser.parse(bytes(good)), first);
    parser.reset();
    auto request = parser.parse(bytes(good));
    ASSERT_TRUE(std::holds_alternative<Request>(request));
    EXPECT_EQ(parser.parse(bytes(good)), request);
    EXPECT_THROW(parser.parse(bytes(good.substr(0, 3))), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Lists

TEST(HttpRequest, SplitList) {
    using List = std::vector<std::string_view>;
    EXPECT_EQ(split_list("a"), (List{"a"}));
    EXPECT_EQ(split_list(" keep-alive ,\tUpgrade "), (List{"keep-alive", "Upgrade"}));
    EXPECT_EQ(split_list("a,,b, ,"), (List{"a", "b"}));
    EXPECT_EQ(split_list(""), List{});
    EXPECT_EQ(split_list(" , "), List{});
}

TEST(HttpRequest, HasTokenLooksAtEveryFieldOfTheName) {
    const std::string text = with_fields("Connection: keep-alive\r\nconnection: UPGRADE\r\n"
                                         "X-Other: upgrade\r\n");
    Request r = expect_request(text);
    EXPECT_TRUE(r.has_token("Connection", "upgrade"));
    EXPECT_TRUE(r.has_token("connection", "Keep-Alive"));
    EXPECT_FALSE(r.has_token("Connection", "close"));
    EXPECT_FALSE(r.has_token("Connection", "upgrad"));
    EXPECT_FALSE(r.has_token("Upgrade", "upgrade"));
}

TEST(HttpRequest, IsToken) {
    EXPECT_TRUE(is_token("chat.v2+json"));
    EXPECT_TRUE(is_token("!#$%&'*+-.^_`|~09azAZ"));
    EXPECT_FALSE(is_token(""));
    EXPECT_FALSE(is_token("a b"));
    EXPECT_FALSE(is_token("a/b"));
    EXPECT_FALSE(is_token("\"a\""));
}

TEST(HttpRequest, StatusLines) {
    EXPECT_STREQ(status_line(Status::BadRequest), "400 Bad Request");
    EXPECT_STREQ(status_line(Status::UriTooLong), "414 URI Too Long");
    EXPECT_STREQ(status_line(Status::UpgradeRequired), "426 Upgrade Required");
    EXPECT_STREQ(status_line(Status::HeadersTooLarge), "431 Request Header Fields Too Large");
    EXPECT_STREQ(status_line(Status::NotImplemented), "501 Not Implemented");
    EXPECT_STREQ(status_line(Status::VersionNotSupported), "505 HTTP Version Not Supported");
}

} // namespace
} // namespace streamd::proto::http

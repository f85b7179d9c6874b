// The opening handshake of RFC 6455 4.2 on parsed requests: its example key, and each
// field that a request needs before a server may answer 101.
#include "http_request.hpp"
#include "websocket_handshake.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::websocket {
namespace {

using http::Status;

const std::string kUpgrade = "GET /chat HTTP/1.1\r\n"
                             "Host: server.example.com\r\n"
                             "Upgrade: websocket\r\n"
                             "Connection: Upgrade\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Origin: http://example.com\r\n"
                             "Sec-WebSocket-Protocol: chat, superchat\r\n"
                             "Sec-WebSocket-Version: 13\r\n"
                             "\r\n";

// The sample request with `from` replaced by `to`; kept alive beside the parsed request,
// whose views point into it.
struct Parsed {
    std::unique_ptr<std::string> text;
    http::Request request;
};

Parsed parsed(std::string_view from = {}, std::string_view to = {}) {
    Parsed p{std::make_unique<std::string>(kUpgrade), {}};
    std::string& text = *p.text;
    if (!from.empty()) {
        size_t at = text.find(from);
        if (at == std::string::npos) throw std::logic_error("no such text in the sample");
        text.replace(at, from.size(), to);
    }
    auto result = http::parse_request({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    if (auto* request = std::get_if<http::Request>(&result))
        p.request = *request;
    else
        ADD_FAILURE() << "the request does not parse:\n" << text;
    return p;
}

Status refusal(std::string_view from, std::string_view to) {
    Parsed p = parsed(from, to);
    auto result = check_upgrade(p.request);
    auto* error = std::get_if<http::RequestError>(&result);
    if (!error) {
        ADD_FAILURE() << "accepted:\n" << *p.text;
        return Status{};
    }
    EXPECT_FALSE(error->reason.empty());
    return error->status;
}

TEST(WebSocketHandshake, AcceptKeyOfRfc6455) {
    // RFC 6455 1.3, which also lists the SHA-1 bytes: b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 …
    EXPECT_EQ(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    EXPECT_EQ(accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

TEST(WebSocketHandshake, AcceptsTheRfcRequest) {
    Parsed p = parsed();
    auto result = check_upgrade(p.request);
    auto* upgrade = std::get_if<Upgrade>(&result);
    ASSERT_TRUE(upgrade);
    EXPECT_EQ(upgrade->key, "dGhlIHNhbXBsZSBub25jZQ==");
    EXPECT_EQ(upgrade->protocols, (std::vector<std::string_view>{"chat", "superchat"}));
}

TEST(WebSocketHandshake, TokensAreMatchedWithoutRegardToCase) {
    Parsed p = parsed("Upgrade: websocket\r\nConnection: Upgrade",
                      "upgrade: WebSocket\r\nconnection: keep-alive, UPGRADE");
    EXPECT_TRUE(std::holds_alternative<Upgrade>(check_upgrade(p.request)));
}

TEST(WebSocketHandshake, ProtocolsMayComeInSeveralFields) {
    Parsed p = parsed("Sec-WebSocket-Protocol: chat, superchat",
                      "Sec-WebSocket-Protocol: a\r\nsec-websocket-protocol: b, ,c");
    auto result = check_upgrade(p.request);
    auto* upgrade = std::get_if<Upgrade>(&result);
    ASSERT_TRUE(upgrade);
    EXPECT_EQ(upgrade->protocols, (std::vector<std::string_view>{"a", "b", "c"}));

    Parsed none = parsed("Sec-WebSocket-Protocol: chat, superchat\r\n", "");
    auto plain = check_upgrade(none.request);
    ASSERT_TRUE(std::holds_alternative<Upgrade>(plain));
    EXPECT_TRUE(std::get<Upgrade>(plain).protocols.empty());
}

TEST(WebSocketHandshake, RefusesWhatIsNotAnUpgrade) {
    EXPECT_EQ(refusal("GET /chat", "POST /chat"), Status::BadRequest);
    EXPECT_EQ(refusal("HTTP/1.1", "HTTP/1.0"), Status::BadRequest);
    EXPECT_EQ(refusal("Upgrade: websocket\r\n", ""), Status::UpgradeRequired);
    EXPECT_EQ(refusal("Upgrade: websocket", "Upgrade: h2c"), Status::UpgradeRequired);
    EXPECT_EQ(refusal("Upgrade: websocket", "Upgrade: websockets"), Status::UpgradeRequired);
    EXPECT_EQ(refusal("Connection: Upgrade\r\n", ""), Status::BadRequest);
    EXPECT_EQ(refusal("Connection: Upgrade", "Connection: keep-alive"), Status::BadRequest);
}

TEST(WebSocketHandshake, OnlyVersion13) {
    EXPECT_EQ(refusal("Sec-WebSocket-Version: 13\r\n", ""), Status::UpgradeRequired);
    EXPECT_EQ(refusal("Version: 13", "Version: 8"), Status::UpgradeRequired);
    EXPECT_EQ(refusal("Version: 13", "Version: 13, 8"), Status::UpgradeRequired);
    EXPECT_EQ(refusal("Version: 13", "Version: 13\r\nSec-WebSocket-Version: 13"),
              Status::UpgradeRequired);
}

TEST(WebSocketHandshake, KeyMustBe16BytesOfBase64) {
    EXPECT_EQ(refusal("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", ""), Status::BadRequest);
    EXPECT_EQ(
        refusal("Key: dGhlIHNhbXBsZSBub25jZQ==",
                "Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA=="),
        Status::BadRequest);
    for (std::string_view key : {
             "",
             "dGhlIHNhbXBsZSBub25jZQ",    // no padding
             "dGhlIHNhbXBsZSBub25jZQ=",   // short padding
             "dGhlIHNhbXBsZSBub25jZQ===", // too much
             "AAAAAAAAAAAAAAAAAAAAAAAA",  // 18 bytes
             "AAAAAAAAAAAAAAAAAAAA",      // 15 bytes
             "dGhlIHNhbXBsZSBub25jZR==",  // padding bits set
             "dGhlIHNhbXBsZSBub25j*Q==",  // not base64
             "dGhlIHNhbXBsZSBub25jZQ-_",  // base64url
         }) {
        std::string field = "Key: " + std::string(key) + "\r\n";
        EXPECT_EQ(refusal("Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", field), Status::BadRequest) << key;
    }
}

TEST(WebSocketHandshake, ProtocolsMustBeTokens) {
    EXPECT_EQ(refusal("Protocol: chat, superchat", "Protocol: chat, super chat"),
              Status::BadRequest);
    EXPECT_EQ(refusal("Protocol: chat, superchat", "Protocol: \"chat\""), Status::BadRequest);
}

} // namespace
} // namespace streamd::proto::websocket

// Messages from frames (RFC 6455 5.4, 5.5.1, 8.1): fragments in order, control frames
// between them, UTF-8 text across fragment boundaries, the size limit, and nothing after a
// close.
#include "websocket_message.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::websocket {
namespace {

using Bytes = std::vector<uint8_t>;
using namespace std::string_view_literals;

FrameHeader header(Opcode op, bool fin, size_t length) {
    FrameHeader h;
    h.fin = fin;
    h.opcode = op;
    h.masked = true;
    h.payload_length = length;
    return h;
}

std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

MessageResult add(MessageAssembler& a, Opcode op, bool fin, std::string_view payload) {
    return a.add(header(op, fin, payload.size()), bytes(payload));
}

void expect_more(const MessageResult& r) {
    EXPECT_TRUE(std::holds_alternative<NeedMore>(r));
}

void expect_message(const MessageResult& r, Opcode op, std::string_view payload) {
    auto* m = std::get_if<Message>(&r);
    ASSERT_TRUE(m) << (std::holds_alternative<ProtocolError>(r)
                           ? std::get<ProtocolError>(r).reason
                           : std::string_view("asks for more"));
    EXPECT_EQ(m->opcode, op);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(m->payload.data()), m->payload.size()),
              payload);
}

void expect_error(const MessageResult& r, CloseCode code) {
    auto* e = std::get_if<ProtocolError>(&r);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, code);
    EXPECT_FALSE(e->reason.empty());
}

TEST(WebSocketMessage, SingleFrameMessagesAreNotCopied) {
    MessageAssembler a(1024);
    std::string_view hello = "Hello";
    auto r = a.add(header(Opcode::Text, true, 5), bytes(hello));
    expect_message(r, Opcode::Text, "Hello");
    EXPECT_EQ(std::get<Message>(r).payload.data(), bytes(hello).data());
    expect_message(add(a, Opcode::Binary, true, "\xFF\x00\x01"sv), Opcode::Binary,
                   "\xFF\x00\x01"sv);
    expect_message(add(a, Opcode::Binary, true, ""), Opcode::Binary, "");
    EXPECT_FALSE(a.in_message());
}

TEST(WebSocketMessage, RfcFragmentedHello) {
    MessageAssembler a(1024);
    expect_more(add(a, Opcode::Text, false, "Hel"));
    EXPECT_TRUE(a.in_message());
    expect_message(add(a, Opcode::Continuation, true, "lo"), Opcode::Text, "Hello");
    EXPECT_FALSE(a.in_message());
}

TEST(WebSocketMessage, ControlFramesMayComeBetweenFragments) {
    MessageAssembler a(1024);
    expect_more(add(a, Opcode::Binary, false, "ab"));
    expect_message(add(a, Opcode::Ping, true, "p1"), Opcode::Ping, "p1");
    expect_more(add(a, Opcode::Continuation, false, ""));
    expect_message(add(a, Opcode::Pong, true, ""), Opcode::Pong, "");
    expect_more(add(a, Opcode::Continuation, false, "cd"));
    expect_message(add(a, Opcode::Continuation, true, "ef"), Opcode::Binary, "abcdef");
    // And the next message starts afresh.
    expect_more(add(a, Opcode::Text, false, "x"));
    expect_message(add(a, Opcode::Continuation, true, "y"), Opcode::Text, "xy");
}

TEST(WebSocketMessage, ContinuationWithoutAMessageIsRefused) {
    MessageAssembler a(1024);
    expect_error(add(a, Opcode::Continuation, true, "x"), CloseCode::ProtocolError);
    MessageAssembler b(1024);
    expect_message(add(b, Opcode::Text, true, "done"), Opcode::Text, "done");
    expect_error(add(b, Opcode::Continuation, false, "x"), CloseCode::ProtocolError);
}

TEST(WebSocketMessage, NewMessageBeforeTheLastEndedIsRefused) {
    for (Opcode second : {Opcode::Text, Opcode::Binary}) {
        MessageAssembler a(1024);
        expect_more(add(a, Opcode::Binary, false, "ab"));
        expect_error(add(a, second, true, "cd"), CloseCode::ProtocolError);
        EXPECT_TRUE(a.check(header(second, false, 0)));
        EXPECT_FALSE(a.check(header(Opcode::Ping, true, 0)));
    }
}

TEST(WebSocketMessage, ControlFramesMustBeWholeAndShort) {
    MessageAssembler a(1024);
    expect_error(add(a, Opcode::Ping, false, ""), CloseCode::ProtocolError);
    expect_error(add(a, Opcode::Pong, true, std::string(126, 'x')), CloseCode::ProtocolError);
    expect_error(a.add(header(static_cast<Opcode>(0xB), true, 0), {}), CloseCode::ProtocolError);
}

TEST(WebSocketMessage, SizeLimitCoversTheWholeMessage) {
    MessageAssembler a(10);
    expect_message(add(a, Opcode::Binary, true, "0123456789"), Opcode::Binary, "0123456789");
    expect_error(add(a, Opcode::Binary, true, "0123456789a"), CloseCode::MessageTooBig);

    MessageAssembler b(10);
    expect_more(add(b, Opcode::Binary, false, "01234"));
    expect_more(add(b, Opcode::Continuation, false, "5678"));
    // Refused from the header, before a byte of the payload is read.
    EXPECT_EQ(b.check(header(Opcode::Continuation, true, 2)),
              (ProtocolError{CloseCode::MessageTooBig, "a message is larger than allowed"}));
    EXPECT_FALSE(b.check(header(Opcode::Continuation, true, 1)));
    EXPECT_FALSE(b.check(header(Opcode::Ping, true, 125)));
    expect_message(add(b, Opcode::Continuation, true, "9"), Opcode::Binary, "0123456789");

    MessageAssembler huge(UINT64_MAX);
    EXPECT_FALSE(huge.check(header(Opcode::Binary, true, uint64_t{INT64_MAX})));
}

TEST(WebSocketMessage, TextMustBeUtf8) {
    MessageAssembler a(1024);
    expect_message(add(a, Opcode::Text, true, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
                   Opcode::Text, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
    for (std::string_view bad : {"\xFF", "a\xC3", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80"}) {
        MessageAssembler b(1024);
        expect_error(add(b, Opcode::Text, true, bad), CloseCode::InvalidPayload);
    }
    // Binary is not text.
    expect_message(add(a, Opcode::Binary, true, "\xFF"), Opcode::Binary, "\xFF");
}

TEST(WebSocketMessage, CharactersMaySpanFragments) {
    // "€" and "😀" cut at every byte.
    MessageAssembler a(1024);
    expect_more(add(a, Opcode::Text, false, "\xE2"));
    expect_more(add(a, Opcode::Continuation, false, "\x82"));
    expect_more(add(a, Opcode::Continuation, false, "\xAC\xF0\x9F"));
    expect_more(add(a, Opcode::Continuation, false, ""));
    expect_more(add(a, Opcode::Continuation, false, "\x98"));
    expect_message(add(a, Opcode::Continuation, true, "\x80!"), Opcode::Text,
                   "\xE2\x82\xAC\xF0\x9F\x98\x80!");
}

TEST(WebSocketMessage, BadTextFailsBeforeTheMessageEnds) {
    MessageAssembler a(1024);
    expect_error(add(a, Opcode::Text, false, "ok\xFF"), CloseCode::InvalidPayload);
    MessageAssembler b(1024);
    expect_more(add(b, Opcode::Text, false, "\xE2\x82"));
    expect_error(add(b, Opcode::Continuation, false, "x"), CloseCode::InvalidPayload);
    // A character still open when the message ends.
    MessageAssembler c(1024);
    expect_more(add(c, Opcode::Text, false, "ok"));
    expect_error(add(c, Opcode::Continuation, true, "\xE2\x82"), CloseCode::InvalidPayload);
}

TEST(WebSocketMessage, NothingAfterClose) {
    MessageAssembler a(1024);
    expect_message(add(a, Opcode::Close, true,
                       "\x03\xE8"
                       "bye"),
                   Opcode::Close,
                   "\x03\xE8"
                   "bye");
    expect_error(add(a, Opcode::Ping, true, ""), CloseCode::ProtocolError);
    expect_error(add(a, Opcode::Binary, true, "x"), CloseCode::ProtocolError);

    // A close frame may end a fragmented message early.
    MessageAssembler b(1024);
    expect_more(add(b, Opcode::Binary, false, "ab"));
    expect_message(add(b, Opcode::Close, true, ""), Opcode::Close, "");
    expect_error(add(b, Opcode::Continuation, true, "c"), CloseCode::ProtocolError);
}

TEST(WebSocketMessage, ClosePayloadIsChecked) {
    MessageAssembler a(1024);
    expect_error(add(a, Opcode::Close, true, "\x03"), CloseCode::ProtocolError);
    MessageAssembler b(1024);
    expect_error(add(b, Opcode::Close, true, "\x03\xED"), CloseCode::ProtocolError);
    MessageAssembler c(1024);
    expect_error(add(c, Opcode::Close, true, "\x03\xE8\xFF"), CloseCode::InvalidPayload);
}

TEST(WebSocketMessage, PayloadMustMatchTheHeader) {
    MessageAssembler a(1024);
    EXPECT_THROW(a.add(header(Opcode::Binary, true, 3), bytes("ab")), std::invalid_argument);
}

} // namespace
} // namespace streamd::proto::websocket

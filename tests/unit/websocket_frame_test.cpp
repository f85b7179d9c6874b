// WebSocket frames against RFC 6455: the examples of section 5.7 byte for byte, each rule
// of 5.2 and 5.5 with a frame that breaks it, masking in pieces, and close payloads (7.4).
#include "websocket_frame.hpp"

#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>
#include <numeric>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::websocket {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr FrameRules kFromClient{};
constexpr FrameRules kFromServer{kDefaultMaxPayload, false, 0};
const MaskKey kRfcMask{0x37, 0xfa, 0x21, 0x3d};

Bytes text(std::string_view s) {
    return {s.begin(), s.end()};
}

Bytes concat(std::initializer_list<std::span<const uint8_t>> parts) {
    Bytes out;
    for (auto p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

FrameHeader expect_header(std::span<const uint8_t> in, const FrameRules& rules = kFromClient) {
    auto result = parse_header(in, rules);
    if (auto* error = std::get_if<ProtocolError>(&result))
        ADD_FAILURE() << "refused with " << static_cast<int>(error->code) << ": " << error->reason;
    else if (std::holds_alternative<NeedMore>(result))
        ADD_FAILURE() << "asks for more";
    auto* h = std::get_if<FrameHeader>(&result);
    return h ? *h : FrameHeader{};
}

CloseCode expect_error(std::span<const uint8_t> in, const FrameRules& rules = kFromClient) {
    auto result = parse_header(in, rules);
    auto* error = std::get_if<ProtocolError>(&result);
    if (!error) {
        ADD_FAILURE() << "not refused";
        return CloseCode{};
    }
    EXPECT_FALSE(error->reason.empty());
    return error->code;
}

// The payload of an unmasked frame, checked against the header.
std::span<const uint8_t> payload_of(std::span<const uint8_t> frame, const FrameHeader& h) {
    EXPECT_EQ(frame.size(), h.header_size + h.payload_length);
    return frame.subspan(std::min(h.header_size, frame.size()));
}

Bytes masked_frame(Opcode op, bool fin, std::string_view payload, const MaskKey& key) {
    FrameHeader h;
    h.fin = fin;
    h.opcode = op;
    h.masked = true;
    h.mask = key;
    h.payload_length = payload.size();
    const auto header = encode_header(h);
    Bytes frame = concat({header.view(), text(payload)});
    unmask(std::span(frame).subspan(frame.size() - payload.size()), key);
    return frame;
}

// ---------------------------------------------------------------------------------------
// RFC 6455 5.7

TEST(WebSocketFrame, RfcSingleFrameUnmaskedText) {
    const Bytes wire{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    FrameHeader h = expect_header(wire, kFromServer);
    EXPECT_TRUE(h.fin);
    EXPECT_EQ(h.opcode, Opcode::Text);
    EXPECT_FALSE(h.masked);
    EXPECT_EQ(h.payload_length, 5u);
    EXPECT_EQ(h.header_size, 2u);
    EXPECT_EQ(Bytes(payload_of(wire, h).begin(), payload_of(wire, h).end()), text("Hello"));

    Bytes encoded;
    encode_text("Hello", encoded);
    EXPECT_EQ(encoded, wire);
}

TEST(WebSocketFrame, RfcSingleFrameMaskedText) {
    const Bytes wire{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    FrameHeader h = expect_header(wire);
    EXPECT_TRUE(h.fin);
    EXPECT_EQ(h.opcode, Opcode::Text);
    EXPECT_TRUE(h.masked);
    EXPECT_EQ(h.mask, kRfcMask);
    EXPECT_EQ(h.payload_length, 5u);
    EXPECT_EQ(h.header_size, 6u);
    Bytes payload(wire.begin() + 6, wire.end());
    unmask(payload, h.mask);
    EXPECT_EQ(payload, text("Hello"));
    EXPECT_EQ(masked_frame(Opcode::Text, true, "Hello", kRfcMask), wire);
}

TEST(WebSocketFrame, RfcFragmentedUnmaskedText) {
    const Bytes first{0x01, 0x03, 0x48, 0x65, 0x6c};
    const Bytes last{0x80, 0x02, 0x6c, 0x6f};
    FrameHeader h1 = expect_header(first, kFromServer);
    EXPECT_FALSE(h1.fin);
    EXPECT_EQ(h1.opcode, Opcode::Text);
    EXPECT_EQ(h1.payload_length, 3u);
    FrameHeader h2 = expect_header(last, kFromServer);
    EXPECT_TRUE(h2.fin);
    EXPECT_EQ(h2.opcode, Opcode::Continuation);
    EXPECT_EQ(h2.payload_length, 2u);

    Bytes encoded;
    encode_frame(Opcode::Text, text("Hel"), encoded, false);
    EXPECT_EQ(encoded, first);
    encoded.clear();
    encode_frame(Opcode::Continuation, text("lo"), encoded);
    EXPECT_EQ(encoded, last);
}

TEST(WebSocketFrame, RfcPingAndPong) {
    const Bytes ping{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    FrameHeader h = expect_header(ping, kFromServer);
    EXPECT_EQ(h.opcode, Opcode::Ping);
    EXPECT_EQ(h.payload_length, 5u);
    Bytes encoded;
    encode_ping(text("Hello"), encoded);
    EXPECT_EQ(encoded, ping);

    const Bytes pong{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    FrameHeader p = expect_header(pong);
    EXPECT_EQ(p.opcode, Opcode::Pong);
    EXPECT_EQ(p.mask, kRfcMask);
    EXPECT_EQ(masked_frame(Opcode::Pong, true, "Hello", kRfcMask), pong);
}

TEST(WebSocketFrame, Rfc256ByteBinary) {
    Bytes payload(256);
    std::iota(payload.begin(), payload.end(), uint8_t{0});
    Bytes wire;
    encode_binary(payload, wire);
    ASSERT_EQ(wire.size(), 4u + 256u);
    EXPECT_EQ(Bytes(wire.begin(), wire.begin() + 4), (Bytes{0x82, 0x7E, 0x01, 0x00}));
    FrameHeader h = expect_header(wire, kFromServer);
    EXPECT_EQ(h.opcode, Opcode::Binary);
    EXPECT_EQ(h.payload_length, 256u);
    EXPECT_EQ(h.header_size, 4u);
    EXPECT_TRUE(std::ranges::equal(payload_of(wire, h), payload));
}

TEST(WebSocketFrame, Rfc64KiBBinary) {
    Bytes payload(65536, 0xA5);
    Bytes wire;
    encode_binary(payload, wire);
    ASSERT_EQ(wire.size(), 10u + 65536u);
    EXPECT_EQ(Bytes(wire.begin(), wire.begin() + 10),
              (Bytes{0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}));
    FrameHeader h = expect_header(wire, kFromServer);
    EXPECT_EQ(h.payload_length, 65536u);
    EXPECT_EQ(h.header_size, 10u);
    EXPECT_TRUE(std::ranges::equal(payload_of(wire, h), payload));
}

// ---------------------------------------------------------------------------------------
// Rules of RFC 6455 5.2 and 5.5

TEST(WebSocketFrame, ClientFramesMustBeMasked) {
    EXPECT_EQ(expect_error(Bytes{0x82, 0x00}), CloseCode::ProtocolError);
    EXPECT_EQ(expect_error(Bytes{0x81, 0x05, 'H', 'e', 'l', 'l', 'o'}), CloseCode::ProtocolError);
    // And a client refuses masked frames from a server.
    EXPECT_EQ(expect_error(Bytes{0x82, 0x80, 1, 2, 3, 4}, kFromServer), CloseCode::ProtocolError);
}

TEST(WebSocketFrame, ReservedBitsMustBeClear) {
    for (uint8_t rsv : {0x40, 0x20, 0x10, 0x70})
        EXPECT_EQ(expect_error(Bytes{static_cast<uint8_t>(0x82 | rsv), 0x80, 1, 2, 3, 4}),
                  CloseCode::ProtocolError)
            << int(rsv);
    // Unless an extension was negotiated that uses them.
    FrameRules deflate = kFromClient;
    deflate.allowed_rsv = 0b100;
    FrameHeader h = expect_header(Bytes{0xC1, 0x80, 1, 2, 3, 4}, deflate);
    EXPECT_EQ(h.rsv, 0b100);
    EXPECT_EQ(expect_error(Bytes{0xA1, 0x80, 1, 2, 3, 4}, deflate), CloseCode::ProtocolError);
}

TEST(WebSocketFrame, ReservedOpcodesAreRefused) {
    for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        EXPECT_EQ(expect_error(Bytes{static_cast<uint8_t>(0x80 | op), 0x80, 1, 2, 3, 4}),
                  CloseCode::ProtocolError)
            << int(op);
        EXPECT_FALSE(is_known(static_cast<Opcode>(op)));
    }
    for (uint8_t op : {0, 1, 2, 8, 9, 0xA}) {
        FrameHeader h = expect_header(Bytes{static_cast<uint8_t>(0x80 | op), 0x80, 1, 2, 3, 4});
        EXPECT_EQ(static_cast<uint8_t>(h.opcode), op);
        EXPECT_EQ(is_control(h.opcode), op >= 8);
    }
}

TEST(WebSocketFrame, ControlFramesAreWholeAndShort) {
    for (uint8_t op : {0x8, 0x9, 0xA}) {
        // fin clear
        EXPECT_EQ(expect_error(Bytes{op, 0x80, 1, 2, 3, 4}), CloseCode::ProtocolError);
        // 125 bytes is the most
        EXPECT_EQ(expect_header(Bytes{static_cast<uint8_t>(0x80 | op), 0x80 | 125, 1, 2, 3, 4})
                      .payload_length,
                  125u);
        EXPECT_EQ(expect_error(Bytes{static_cast<uint8_t>(0x80 | op), 0x80 | 126, 0, 126}),
                  CloseCode::ProtocolError);
        EXPECT_EQ(expect_error(Bytes{static_cast<uint8_t>(0x80 | op), 0x80 | 127}),
                  CloseCode::ProtocolError);
    }
    // Data frames may be fragmented.
    EXPECT_FALSE(expect_header(Bytes{0x02, 0x80, 1, 2, 3, 4}).fin);
}

TEST(WebSocketFrame, LengthsUseTheFewestBytes) {
    // 126 as a 16-bit length is the smallest that needs one.
    EXPECT_EQ(expect_header(Bytes{0x82, 0xFE, 0x00, 0x7E, 1, 2, 3, 4}).payload_length, 126u);
    EXPECT_EQ(expect_header(Bytes{0x82, 0xFE, 0xFF, 0xFF, 1, 2, 3, 4}).payload_length, 65535u);
    EXPECT_EQ(expect_error(Bytes{0x82, 0xFE, 0x00, 0x7D}), CloseCode::ProtocolError);
    EXPECT_EQ(expect_error(Bytes{0x82, 0xFE, 0x00, 0x00}), CloseCode::ProtocolError);
    // And 65536 as a 64-bit one.
    EXPECT_EQ(expect_header(Bytes{0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}).payload_length,
              65536u);
    EXPECT_EQ(expect_error(Bytes{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}),
              CloseCode::ProtocolError);
    EXPECT_EQ(expect_error(Bytes{0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 5}), CloseCode::ProtocolError);
}

TEST(WebSocketFrame, SixtyFourBitLengthHasItsTopBitClear) {
    FrameRules unlimited = kFromClient;
    unlimited.max_payload = UINT64_MAX;
    EXPECT_EQ(
        expect_header(Bytes{0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4},
                      unlimited)
            .payload_length,
        uint64_t{INT64_MAX});
    EXPECT_EQ(expect_error(Bytes{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0}, unlimited),
              CloseCode::ProtocolError);
}

TEST(WebSocketFrame, MaxPayloadIsEnforced) {
    FrameRules small = kFromClient;
    small.max_payload = 1000;
    EXPECT_EQ(expect_header(Bytes{0x82, 0xFE, 0x03, 0xE8, 1, 2, 3, 4}, small).payload_length,
              1000u);
    EXPECT_EQ(expect_error(Bytes{0x82, 0xFE, 0x03, 0xE9}, small), CloseCode::MessageTooBig);
    small.max_payload = 10;
    EXPECT_EQ(expect_error(Bytes{0x82, 0x80 | 11}, small), CloseCode::MessageTooBig);
    // The default leaves room for 16 MiB chunks, and no more.
    EXPECT_EQ(
        expect_header(Bytes{0x82, 0xFF, 0, 0, 0, 0, 0x01, 0, 0, 0, 1, 2, 3, 4}).payload_length,
        kDefaultMaxPayload);
    EXPECT_EQ(expect_error(Bytes{0x82, 0xFF, 0, 0, 0, 0, 0x01, 0, 0, 1}), CloseCode::MessageTooBig);
}

TEST(WebSocketFrame, ErrorsShowInTheFirstBytesThatCarryThem) {
    // The first byte alone is enough to refuse a reserved opcode or bit.
    EXPECT_EQ(expect_error(Bytes{0x83}), CloseCode::ProtocolError);
    EXPECT_EQ(expect_error(Bytes{0xC2}), CloseCode::ProtocolError);
    EXPECT_EQ(expect_error(Bytes{0x09}), CloseCode::ProtocolError);
    // The second for a missing mask.
    EXPECT_EQ(expect_error(Bytes{0x82, 0x7F}), CloseCode::ProtocolError);
}

TEST(WebSocketFrame, PrefixesAskForMoreOrAgree) {
    std::vector<Bytes> frames{
        {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d},
        {0x82, 0xFE, 0x01, 0x00, 9, 8, 7, 6},
        {0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4},
        {0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0, 5},
        {0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0},
        {0x82, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0},
        {0x89, 0xFE},
        {0x0A, 0x80},
        {0x82, 0x05},
    };
    for (const auto& frame : frames) {
        auto whole = parse_header(frame);
        EXPECT_FALSE(std::holds_alternative<NeedMore>(whole));
        for (size_t n = 0; n < frame.size(); ++n) {
            auto prefix = parse_header(std::span(frame).first(n));
            if (!std::holds_alternative<NeedMore>(prefix)) {
                EXPECT_EQ(prefix, whole) << n;
            }
        }
        // Bytes after the header belong to the payload and change nothing.
        Bytes longer = concat({frame, Bytes{0xFF, 0xFF}});
        EXPECT_EQ(parse_header(longer), whole);
    }
    EXPECT_EQ(parse_header(Bytes{}), HeaderResult{NeedMore{}});
    EXPECT_EQ(parse_header(Bytes{0x82}), HeaderResult{NeedMore{}});
    EXPECT_EQ(parse_header(Bytes{0x82, 0xFE, 0x01}), HeaderResult{NeedMore{}});
    EXPECT_EQ(parse_header(Bytes{0x82, 0x85, 1, 2, 3}), HeaderResult{NeedMore{}});
}

// ---------------------------------------------------------------------------------------
// Encoding

TEST(WebSocketFrame, HeadersRoundTrip) {
    for (uint64_t length : {uint64_t{0}, uint64_t{1}, uint64_t{125}, uint64_t{126}, uint64_t{65535},
                            uint64_t{65536}, uint64_t{1} << 40, uint64_t{INT64_MAX}})
        for (bool masked : {false, true})
            for (Opcode op : {Opcode::Continuation, Opcode::Text, Opcode::Binary}) {
                FrameHeader h;
                h.fin = length % 2 == 0;
                h.opcode = op;
                h.masked = masked;
                h.mask = masked ? kRfcMask : MaskKey{};
                h.payload_length = length;
                auto encoded = encode_header(h);
                FrameRules rules{UINT64_MAX, masked, 0};
                FrameHeader back = expect_header(encoded.view(), rules);
                h.header_size = encoded.size;
                EXPECT_EQ(back, h) << length;
                size_t expected = (length < 126 ? 2 : length < 65536 ? 4 : 10) + (masked ? 4 : 0);
                EXPECT_EQ(encoded.size, expected);
            }
    FrameHeader too_long;
    too_long.payload_length = uint64_t{1} << 63;
    EXPECT_THROW(encode_header(too_long), std::invalid_argument);
}

TEST(WebSocketFrame, ServerFramesAreUnmasked) {
    Bytes out;
    encode_binary(text("abc"), out);
    encode_pong(text("p"), out);
    encode_close(CloseCode::Normal, "bye", out);
    EXPECT_EQ(out, concat({Bytes{0x82, 0x03}, text("abc"), Bytes{0x8A, 0x01, 'p'},
                           Bytes{0x88, 0x05, 0x03, 0xE8}, text("bye")}));
}

TEST(WebSocketFrame, ControlFramesOver125BytesAreNotEncoded) {
    Bytes out;
    EXPECT_NO_THROW(encode_ping(Bytes(125, 1), out));
    EXPECT_THROW(encode_ping(Bytes(126, 1), out), std::invalid_argument);
    EXPECT_THROW(encode_pong(Bytes(126, 1), out), std::invalid_argument);
    EXPECT_THROW(encode_frame(Opcode::Ping, Bytes{}, out, false), std::invalid_argument);
    EXPECT_THROW(encode_frame(static_cast<Opcode>(3), Bytes{}, out), std::invalid_argument);
    EXPECT_THROW(encode_text("\xC3", out), std::invalid_argument);
}

TEST(WebSocketFrame, CloseReasonIsCutOnACharacterBoundary) {
    // 61 two-byte characters are 122 bytes; one more does not fit beside the code.
    std::string reason;
    for (int i = 0; i < 62; ++i)
        reason += "\xC3\xA9";
    Bytes out;
    encode_close(CloseCode::GoingAway, reason, out);
    FrameHeader h = expect_header(out, kFromServer);
    EXPECT_EQ(h.payload_length, 2u + 122u);
    auto close = parse_close(payload_of(out, h));
    ASSERT_TRUE(std::holds_alternative<Close>(close));
    EXPECT_EQ(std::get<Close>(close).code, 1001);
    EXPECT_EQ(std::get<Close>(close).reason, reason.substr(0, 122));

    out.clear();
    encode_close(4000, std::string(200, 'x'), out);
    EXPECT_EQ(out.size(), 2u + 125u);
    EXPECT_THROW(encode_close(1005, "", out), std::invalid_argument);
    EXPECT_THROW(encode_close(CloseCode::Abnormal, "", out), std::invalid_argument);
    EXPECT_THROW(encode_close(1000, "\xFF", out), std::invalid_argument);
}

// ---------------------------------------------------------------------------------------
// Masking

Bytes reference_unmask(Bytes data, const MaskKey& key, uint64_t offset) {
    for (size_t i = 0; i < data.size(); ++i)
        data[i] ^= key[(offset + i) % 4];
    return data;
}

TEST(WebSocketFrame, UnmaskMatchesTheBytewiseDefinition) {
    const MaskKey key{0x01, 0x80, 0xFE, 0x5A};
    Bytes storage(64 + 7);
    std::iota(storage.begin(), storage.end(), uint8_t{3});
    for (size_t start = 0; start < 8; ++start)
        for (size_t length = 0; length <= 40; ++length)
            for (uint64_t offset : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{5},
                                    (uint64_t{1} << 40) + 3}) {
                // An odd start, so that the words are not aligned.
                Bytes data(storage.begin() + start, storage.begin() + start + length);
                Bytes buffer = storage;
                std::span piece(buffer.data() + start, length);
                unmask(piece, key, offset);
                EXPECT_TRUE(std::ranges::equal(piece, reference_unmask(data, key, offset)))
                    << start << " " << length << " " << offset;
                // Nothing outside the span is touched.
                EXPECT_TRUE(std::equal(buffer.begin(), buffer.begin() + start, storage.begin()));
                EXPECT_TRUE(std::equal(buffer.begin() + start + length, buffer.end(),
                                       storage.begin() + start + length));
            }
}

TEST(WebSocketFrame, UnmaskingInPiecesEqualsUnmaskingAtOnce) {
    Bytes payload(100);
    std::iota(payload.begin(), payload.end(), uint8_t{0});
    Bytes whole = payload;
    unmask(whole, kRfcMask);
    for (size_t split = 0; split <= payload.size(); ++split) {
        Bytes pieces = payload;
        unmask(std::span(pieces).first(split), kRfcMask, 0);
        unmask(std::span(pieces).subspan(split), kRfcMask, split);
        EXPECT_EQ(pieces, whole) << split;
    }
    Bytes twice = whole;
    unmask(twice, kRfcMask);
    EXPECT_EQ(twice, payload);
}

// ---------------------------------------------------------------------------------------
// Close payloads (RFC 6455 5.5.1, 7.4)

std::variant<Close, ProtocolError> close_of(uint16_t code, std::string_view reason = "") {
    Bytes payload{static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
    payload.insert(payload.end(), reason.begin(), reason.end());
    auto result = parse_close(payload);
    // The reason is a view: copy it out before `payload` goes.
    if (auto* c = std::get_if<Close>(&result)) c->reason = {};
    return result;
}

TEST(WebSocketFrame, CloseCodes) {
    for (uint16_t code :
         {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}) {
        EXPECT_TRUE(valid_close_code(code)) << code;
        EXPECT_EQ(close_of(code), (std::variant<Close, ProtocolError>{Close{code, ""}})) << code;
    }
    for (uint16_t code :
         {0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
        EXPECT_FALSE(valid_close_code(code)) << code;
        auto result = close_of(code);
        ASSERT_TRUE(std::holds_alternative<ProtocolError>(result)) << code;
        EXPECT_EQ(std::get<ProtocolError>(result).code, CloseCode::ProtocolError);
    }
}

TEST(WebSocketFrame, ClosePayloads) {
    auto empty = parse_close(Bytes{});
    ASSERT_TRUE(std::holds_alternative<Close>(empty));
    EXPECT_FALSE(std::get<Close>(empty).code);

    auto one = parse_close(Bytes{0x03});
    ASSERT_TRUE(std::holds_alternative<ProtocolError>(one));
    EXPECT_EQ(std::get<ProtocolError>(one).code, CloseCode::ProtocolError);

    Bytes with_reason = concat({Bytes{0x03, 0xE8}, text("done \xE2\x9C\x93")});
    auto done = parse_close(with_reason);
    ASSERT_TRUE(std::holds_alternative<Close>(done));
    EXPECT_EQ(std::get<Close>(done).code, 1000);
    EXPECT_EQ(std::get<Close>(done).reason, "done \xE2\x9C\x93");

    for (std::string_view bad : {"\xFF", "\xC3", "\xED\xA0\x80", "\xC0\xAF"}) {
        auto result = parse_close(concat({Bytes{0x03, 0xE8}, text(bad)}));
        ASSERT_TRUE(std::holds_alternative<ProtocolError>(result));
        EXPECT_EQ(std::get<ProtocolError>(result).code, CloseCode::InvalidPayload);
    }
    // A valid code and reason that together exceed a control frame.
    auto too_long = parse_close(concat({Bytes{0x03, 0xE8}, Bytes(124, 'a')}));
    ASSERT_TRUE(std::holds_alternative<ProtocolError>(too_long));
    EXPECT_EQ(std::get<ProtocolError>(too_long).code, CloseCode::ProtocolError);
    EXPECT_TRUE(
        std::holds_alternative<Close>(parse_close(concat({Bytes{0x03, 0xE8}, Bytes(123, 'a')}))));
}

TEST(WebSocketFrame, OpcodeNames) {
    EXPECT_STREQ(to_string(Opcode::Continuation), "continuation");
    EXPECT_STREQ(to_string(Opcode::Text), "text");
    EXPECT_STREQ(to_string(Opcode::Binary), "binary");
    EXPECT_STREQ(to_string(Opcode::Close), "close");
    EXPECT_STREQ(to_string(Opcode::Ping), "ping");
    EXPECT_STREQ(to_string(Opcode::Pong), "pong");
    EXPECT_STREQ(to_string(static_cast<Opcode>(0xB)), "reserved");
}

} // namespace
} // namespace streamd::proto::websocket

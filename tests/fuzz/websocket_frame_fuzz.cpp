// WebSocket frames on untrusted bytes. The first byte sets the rules, the rest is read as
// a stream of frames, as a server reads a connection:
//   bit 0      frames must be masked (a server's view) or must not be (a client's)
//   bits 1-3   RSV bits an extension allows
//   bits 4-6   the largest payload, from kPayloadLimits
//   bit 7      a small limit on the assembled message
// Each header either asks for more (only while shorter than kMaxHeaderSize), refuses with
// 1002 or 1009, or keeps every rule of RFC 6455 5.2; it is the only encoding of itself, so
// encode_header gives back the bytes it came from; no prefix of it gets another verdict.
// Payloads unmask the same in any two pieces, and twice gives them back. Frames go through
// the message assembler, whose messages keep its size limit and whose text is UTF-8. The
// same bytes also make frames to encode, which must parse back to what was encoded.
#include "fuzz_check.hpp"
#include "websocket_frame.hpp"
#include "websocket_message.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::websocket {
namespace {

using Bytes = std::span<const uint8_t>;

constexpr std::array<uint64_t, 8> kPayloadLimits{
    kDefaultMaxPayload, 0, 125, 126, 65535, 65536, 1 << 20, UINT64_MAX};
constexpr uint64_t kSmallMessage = 16;
constexpr uint64_t kLargeMessage = 1 << 20;

std::string_view as_text(Bytes b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

std::vector<uint8_t> reference_unmask(Bytes data, const MaskKey& key, uint64_t offset) {
    std::vector<uint8_t> out(data.begin(), data.end());
    for (size_t i = 0; i < out.size(); ++i)
        out[i] ^= key[(offset + i) % 4];
    return out;
}

void check_header(const FrameHeader& h, Bytes in, const FrameRules& rules) {
    FUZZ_CHECK(is_known(h.opcode));
    FUZZ_CHECK((h.rsv & ~rules.allowed_rsv) == 0 && h.rsv <= 7);
    FUZZ_CHECK(h.masked == rules.expect_masked);
    if (is_control(h.opcode)) FUZZ_CHECK(h.fin && h.payload_length <= kMaxControlPayload);
    FUZZ_CHECK(h.payload_length <= rules.max_payload);
    FUZZ_CHECK((h.payload_length >> 63) == 0);
    size_t expected = (h.payload_length < 126       ? 2
                       : h.payload_length <= 0xFFFF ? 4
                                                    : 10) +
                      (h.masked ? 4 : 0);
    FUZZ_CHECK(h.header_size == expected);
    FUZZ_CHECK(h.header_size <= in.size());
    // The fewest bytes: encoding the header gives exactly the bytes it was parsed from.
    auto encoded = encode_header(h);
    FUZZ_CHECK(encoded.size == h.header_size);
    FUZZ_CHECK(std::equal(encoded.view().begin(), encoded.view().end(), in.begin()));
}

void check_error(const ProtocolError& e) {
    FUZZ_CHECK(e.code == CloseCode::ProtocolError || e.code == CloseCode::MessageTooBig);
    FUZZ_CHECK(!e.reason.empty());
}

// Every prefix asks for more or gives the same verdict as the whole.
void check_prefixes(Bytes in, const HeaderResult& whole, const FrameRules& rules) {
    size_t end = std::min(in.size(), kMaxHeaderSize);
    for (size_t n = 0; n <= end; ++n) {
        auto prefix = parse_header(in.first(n), rules);
        if (!std::holds_alternative<NeedMore>(prefix)) FUZZ_CHECK(prefix == whole);
    }
    if (auto* h = std::get_if<FrameHeader>(&whole))
        FUZZ_CHECK(parse_header(in.first(h->header_size), rules) == whole);
}

void check_unmask(Bytes data, const MaskKey& key, uint64_t offset, size_t split) {
    const auto expected = reference_unmask(data, key, offset);
    std::vector<uint8_t> once(data.begin(), data.end());
    unmask(once, key, offset);
    FUZZ_CHECK(once == expected);
    std::vector<uint8_t> twice = once;
    unmask(twice, key, offset);
    FUZZ_CHECK(std::equal(twice.begin(), twice.end(), data.begin(), data.end()));

    split = std::min(split, data.size());
    std::vector<uint8_t> pieces(data.begin(), data.end());
    unmask(std::span(pieces).first(split), key, offset);
    unmask(std::span(pieces).subspan(split), key, offset + split);
    FUZZ_CHECK(pieces == expected);
}

// What the assembler makes of the frames so far; stops the stream on an error.
class Assembly {
public:
    explicit Assembly(uint64_t max_message) : assembler_(max_message), max_(max_message) {}

    bool add(const FrameHeader& h, Bytes payload) {
        auto early = assembler_.check(h);
        auto result = assembler_.add(h, payload);
        if (early) {
            FUZZ_CHECK(std::holds_alternative<ProtocolError>(result));
            FUZZ_CHECK(std::get<ProtocolError>(result) == *early);
        }
        if (auto* e = std::get_if<ProtocolError>(&result)) {
            FUZZ_CHECK(e->code == CloseCode::ProtocolError || e->code == CloseCode::MessageTooBig ||
                       e->code == CloseCode::InvalidPayload);
            FUZZ_CHECK(!e->reason.empty());
            return false;
        }
        if (!is_control(h.opcode)) {
            if (h.opcode != Opcode::Continuation) {
                FUZZ_CHECK(fragments_.empty());
                opcode_ = h.opcode;
            }
            fragments_.insert(fragments_.end(), payload.begin(), payload.end());
        }
        if (std::holds_alternative<NeedMore>(result)) {
            FUZZ_CHECK(!h.fin && !is_control(h.opcode));
            FUZZ_CHECK(assembler_.in_message());
            return true;
        }
        const auto& m = std::get<Message>(result);
        FUZZ_CHECK(m.opcode != Opcode::Continuation);
        if (is_control(h.opcode)) {
            FUZZ_CHECK(m.opcode == h.opcode);
            FUZZ_CHECK(
                std::equal(m.payload.begin(), m.payload.end(), payload.begin(), payload.end()));
            if (m.opcode == Opcode::Close) {
                auto close = parse_close(m.payload);
                FUZZ_CHECK(std::holds_alternative<Close>(close));
                auto& c = std::get<Close>(close);
                if (c.code) FUZZ_CHECK(valid_close_code(*c.code));
                FUZZ_CHECK(fuzz::well_formed_utf8(c.reason));
            }
            return true;
        }
        FUZZ_CHECK(h.fin);
        FUZZ_CHECK(!assembler_.in_message());
        FUZZ_CHECK(m.opcode == opcode_);
        FUZZ_CHECK(m.payload.size() <= max_);
        FUZZ_CHECK(
            std::equal(m.payload.begin(), m.payload.end(), fragments_.begin(), fragments_.end()));
        if (m.opcode == Opcode::Text) FUZZ_CHECK(fuzz::well_formed_utf8(as_text(m.payload)));
        fragments_.clear();
        return true;
    }

private:
    MessageAssembler assembler_;
    uint64_t max_;
    Opcode opcode_ = Opcode::Binary;
    std::vector<uint8_t> fragments_;
};

void frame_stream(Bytes in, const FrameRules& rules, uint64_t max_message) {
    Assembly assembly(max_message);
    while (true) {
        auto result = parse_header(in, rules);
        check_prefixes(in, result, rules);
        if (std::holds_alternative<NeedMore>(result)) {
            FUZZ_CHECK(in.size() < kMaxHeaderSize);
            return;
        }
        if (auto* e = std::get_if<ProtocolError>(&result)) {
            check_error(*e);
            return;
        }
        const auto& h = std::get<FrameHeader>(result);
        check_header(h, in, rules);
        in = in.subspan(h.header_size);
        if (in.size() < h.payload_length) return; // the rest has not arrived
        auto length = static_cast<size_t>(h.payload_length);
        std::vector<uint8_t> payload(in.begin(), in.begin() + length);
        check_unmask(payload, h.mask, 0, payload.empty() ? 0 : payload[0] % (length + 1));
        if (h.masked) unmask(payload, h.mask);
        in = in.subspan(length);
        if (!assembly.add(h, payload)) return;
    }
}

// Frames built from the input: what is encoded parses back to the same.
void round_trips(Bytes in) {
    if (in.size() < 14) return;
    constexpr std::array<Opcode, 6> kOpcodes{Opcode::Continuation, Opcode::Text, Opcode::Binary,
                                             Opcode::Close,        Opcode::Ping, Opcode::Pong};
    FrameHeader h;
    h.fin = (in[0] & 0x80) != 0;
    h.rsv = (in[0] >> 4) & 0x07;
    h.opcode = kOpcodes[in[0] % kOpcodes.size()];
    h.masked = (in[1] & 0x80) != 0;
    // Without the mask bit there is no key on the wire.
    if (h.masked) std::copy(in.begin() + 2, in.begin() + 6, h.mask.begin());
    uint64_t length = 0;
    for (size_t i = 6; i < 14; ++i)
        length = length << 8 | in[i];
    // Mostly short lengths, and now and then the longest there is.
    h.payload_length = (length >> (in[1] & 0x3F)) & (UINT64_MAX >> 1);
    if (is_control(h.opcode)) {
        h.fin = true;
        h.payload_length %= kMaxControlPayload + 1;
    }
    auto encoded = encode_header(h);
    auto parsed = parse_header(encoded.view(), FrameRules{UINT64_MAX, h.masked, 0x07});
    h.header_size = encoded.size;
    FUZZ_CHECK(std::holds_alternative<FrameHeader>(parsed));
    FUZZ_CHECK(std::get<FrameHeader>(parsed) == h);

    const FrameRules from_server{UINT64_MAX, false, 0};
    auto rest = in.subspan(14);
    auto parse_frame = [&](const std::vector<uint8_t>& wire, Opcode op, Bytes payload) {
        auto result = parse_header(wire, from_server);
        FUZZ_CHECK(std::holds_alternative<FrameHeader>(result));
        auto& f = std::get<FrameHeader>(result);
        FUZZ_CHECK(f.fin && f.opcode == op && f.rsv == 0 && !f.masked);
        FUZZ_CHECK(f.payload_length == payload.size());
        FUZZ_CHECK(wire.size() == f.header_size + payload.size());
        FUZZ_CHECK(std::equal(payload.begin(), payload.end(), wire.begin() + f.header_size));
        return Bytes(wire).subspan(f.header_size);
    };

    std::vector<uint8_t> wire;
    encode_binary(rest, wire);
    parse_frame(wire, Opcode::Binary, rest);

    wire.clear();
    if (fuzz::well_formed_utf8(as_text(rest))) {
        encode_text(as_text(rest), wire);
        parse_frame(wire, Opcode::Text, rest);
    } else {
        bool refused = false;
        try {
            encode_text(as_text(rest), wire);
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        FUZZ_CHECK(refused);
    }

    auto control = rest.first(std::min(rest.size(), kMaxControlPayload));
    wire.clear();
    encode_ping(control, wire);
    parse_frame(wire, Opcode::Ping, control);

    // A valid code from the first two bytes; the reason cut to fit, on a character boundary.
    constexpr std::array<uint16_t, 13> kCodes{1000, 1001, 1002, 1003, 1007, 1008, 1009,
                                              1010, 1011, 3000, 3999, 4000, 4999};
    uint16_t code = kCodes[in[2] % kCodes.size()];
    if (fuzz::well_formed_utf8(as_text(rest))) {
        wire.clear();
        encode_close(code, as_text(rest), wire);
        auto result = parse_header(wire, from_server);
        FUZZ_CHECK(std::holds_alternative<FrameHeader>(result));
        auto& f = std::get<FrameHeader>(result);
        FUZZ_CHECK(f.opcode == Opcode::Close && f.payload_length <= kMaxControlPayload);
        auto close = parse_close(Bytes(wire).subspan(f.header_size));
        FUZZ_CHECK(std::holds_alternative<Close>(close));
        auto& c = std::get<Close>(close);
        FUZZ_CHECK(c.code == code);
        FUZZ_CHECK(c.reason.size() <= kMaxCloseReason);
        FUZZ_CHECK(as_text(rest).substr(0, c.reason.size()) == c.reason);
        // Cut no shorter than a character needs.
        FUZZ_CHECK(c.reason.size() == rest.size() || c.reason.size() + 4 > kMaxCloseReason);
    }
}

} // namespace
} // namespace streamd::proto::websocket

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd::proto::websocket;
    if (size == 0) return 0;
    const uint8_t config = data[0];
    FrameRules rules;
    rules.expect_masked = (config & 0x01) != 0;
    rules.allowed_rsv = (config >> 1) & 0x07;
    rules.max_payload = kPayloadLimits[(config >> 4) & 0x07];
    const uint64_t max_message = (config & 0x80) ? kSmallMessage : kLargeMessage;

    // A copy of exactly the bytes given, so that ASan sees any read past them.
    std::vector<uint8_t> owned(data + 1, data + size);
    Bytes in(owned);
    frame_stream(in, rules, max_message);
    round_trips(in);
    if (in.size() >= 4) {
        MaskKey key{in[0], in[1], in[2], in[3]};
        check_unmask(in.subspan(4), key, in[0], in[1]);
    }
    return 0;
}

#include "websocket_frame.hpp"

#include "utf8.hpp"

#include <cstring>
#include <stdexcept>
#include <string>

namespace streamd::proto::websocket {

namespace {

constexpr uint8_t kFin = 0x80;
constexpr uint8_t kMaskBit = 0x80;
constexpr uint8_t kLength16 = 126;
constexpr uint8_t kLength64 = 127;

ProtocolError protocol_error(std::string_view reason) {
    return {CloseCode::ProtocolError, reason};
}

std::string_view as_text(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

std::span<const uint8_t> as_bytes(std::string_view text) {
    return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

} // namespace

bool is_control(Opcode op) {
    return (static_cast<uint8_t>(op) & 0x08) != 0;
}

bool is_known(Opcode op) {
    switch (op) {
    case Opcode::Continuation:
    case Opcode::Text:
    case Opcode::Binary:
    case Opcode::Close:
    case Opcode::Ping:
    case Opcode::Pong:
        return true;
    }
    return false;
}

HeaderResult parse_header(std::span<const uint8_t> in, const FrameRules& rules) {
    if (in.empty()) return NeedMore{};
    FrameHeader h;
    h.fin = (in[0] & kFin) != 0;
    h.rsv = (in[0] >> 4) & 0x07;
    h.opcode = static_cast<Opcode>(in[0] & 0x0F);
    if ((h.rsv & ~rules.allowed_rsv) != 0)
        return protocol_error("a reserved bit is set that no extension gives a meaning to");
    if (!is_known(h.opcode)) return protocol_error("the opcode is reserved");
    if (is_control(h.opcode) && !h.fin) return protocol_error("a control frame is fragmented");

    if (in.size() < 2) return NeedMore{};
    h.masked = (in[1] & kMaskBit) != 0;
    if (h.masked != rules.expect_masked)
        return protocol_error(rules.expect_masked ? "a frame from the client is not masked"
                                                  : "a frame from the server is masked");
    uint64_t length = in[1] & 0x7F;
    if (is_control(h.opcode) && length > kMaxControlPayload)
        return protocol_error("a control frame carries more than 125 bytes");
    size_t pos = 2;
    if (length == kLength16) {
        if (in.size() < 4) return NeedMore{};
        length = static_cast<uint64_t>(in[2]) << 8 | in[3];
        if (length < kLength16) return protocol_error("a length is not in the fewest bytes");
        pos = 4;
    } else if (length == kLength64) {
        if (in.size() < 10) return NeedMore{};
        length = 0;
        for (size_t i = 2; i < 10; ++i)
            length = length << 8 | in[i];
        if (length >> 63) return protocol_error("a 64-bit length has its top bit set");
        if (length <= 0xFFFF) return protocol_error("a length is not in the fewest bytes");
        pos = 10;
    }
    if (length > rules.max_payload)
        return ProtocolError{CloseCode::MessageTooBig, "a frame is larger than allowed"};
    h.payload_length = length;

    if (h.masked) {
        if (in.size() < pos + h.mask.size()) return NeedMore{};
        std::memcpy(h.mask.data(), in.data() + pos, h.mask.size());
        pos += h.mask.size();
    }
    h.header_size = pos;
    return h;
}

void unmask(std::span<uint8_t> payload, const MaskKey& key, uint64_t offset) {
    // Eight bytes of key starting where `payload` begins; a period of 4 divides 8, so the
    // same word serves every 8-byte step.
    std::array<uint8_t, 8> rotated{};
    for (size_t i = 0; i < rotated.size(); ++i)
        rotated[i] = key[(offset + i) % key.size()];
    uint64_t word = 0;
    std::memcpy(&word, rotated.data(), sizeof word);

    uint8_t* p = payload.data();
    const size_t n = payload.size();
    size_t i = 0;
    // memcpy because payloads start anywhere in a receive buffer: no alignment to rely on.
    for (; n - i >= sizeof word; i += sizeof word) {
        uint64_t v = 0;
        std::memcpy(&v, p + i, sizeof v);
        v ^= word;
        std::memcpy(p + i, &v, sizeof v);
    }
    for (; i < n; ++i)
        p[i] ^= rotated[i % rotated.size()];
}

EncodedHeader encode_header(const FrameHeader& h) {
    if (h.payload_length >> 63)
        throw std::invalid_argument("a WebSocket payload length has its top bit set");
    EncodedHeader e;
    auto& b = e.bytes;
    b[0] = static_cast<uint8_t>((h.fin ? kFin : 0) | (h.rsv & 0x07) << 4 |
                                (static_cast<uint8_t>(h.opcode) & 0x0F));
    const uint8_t mask_bit = h.masked ? kMaskBit : 0;
    const uint64_t length = h.payload_length;
    size_t pos = 2;
    if (length < kLength16) {
        b[1] = static_cast<uint8_t>(mask_bit | length);
    } else if (length <= 0xFFFF) {
        b[1] = mask_bit | kLength16;
        b[2] = static_cast<uint8_t>(length >> 8);
        b[3] = static_cast<uint8_t>(length);
        pos = 4;
    } else {
        b[1] = mask_bit | kLength64;
        for (size_t i = 0; i < 8; ++i)
            b[2 + i] = static_cast<uint8_t>(length >> (8 * (7 - i)));
        pos = 10;
    }
    if (h.masked) {
        std::memcpy(b.data() + pos, h.mask.data(), h.mask.size());
        pos += h.mask.size();
    }
    e.size = pos;
    return e;
}

void encode_frame(Opcode op, std::span<const uint8_t> payload, std::vector<uint8_t>& out,
                  bool fin) {
    if (!is_known(op)) throw std::invalid_argument("a reserved WebSocket opcode");
    if (is_control(op) && (!fin || payload.size() > kMaxControlPayload))
        throw std::invalid_argument("a WebSocket control frame is fragmented or too long");
    FrameHeader h;
    h.fin = fin;
    h.opcode = op;
    h.payload_length = payload.size();
    const auto header = encode_header(h);
    out.reserve(out.size() + header.size + payload.size());
    out.insert(out.end(), header.bytes.begin(), header.bytes.begin() + header.size);
    out.insert(out.end(), payload.begin(), payload.end());
}

void encode_binary(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
    encode_frame(Opcode::Binary, payload, out);
}

void encode_text(std::string_view text, std::vector<uint8_t>& out) {
    if (!valid_utf8(text)) throw std::invalid_argument("WebSocket text is not UTF-8");
    encode_frame(Opcode::Text, as_bytes(text), out);
}

void encode_ping(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
    encode_frame(Opcode::Ping, payload, out);
}

void encode_pong(std::span<const uint8_t> payload, std::vector<uint8_t>& out) {
    encode_frame(Opcode::Pong, payload, out);
}

void encode_close(uint16_t code, std::string_view reason, std::vector<uint8_t>& out) {
    if (!valid_close_code(code))
        throw std::invalid_argument("WebSocket close code " + std::to_string(code) +
                                    " may not be sent");
    if (reason.size() > kMaxCloseReason) {
        // Cut on a character boundary: the peer fails the connection on broken UTF-8.
        size_t n = kMaxCloseReason;
        while (n > 0 && (static_cast<uint8_t>(reason[n]) & 0xC0) == 0x80)
            --n;
        reason = reason.substr(0, n);
    }
    if (!valid_utf8(reason)) throw std::invalid_argument("WebSocket close reason is not UTF-8");
    std::array<uint8_t, kMaxControlPayload> payload{};
    payload[0] = static_cast<uint8_t>(code >> 8);
    payload[1] = static_cast<uint8_t>(code);
    std::memcpy(payload.data() + 2, reason.data(), reason.size());
    encode_frame(Opcode::Close, std::span(payload).first(2 + reason.size()), out);
}

void encode_close(CloseCode code, std::string_view reason, std::vector<uint8_t>& out) {
    encode_close(static_cast<uint16_t>(code), reason, out);
}

bool valid_close_code(uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
           (code >= 3000 && code <= 4999);
}

std::variant<Close, ProtocolError> parse_close(std::span<const uint8_t> payload) {
    if (payload.empty()) return Close{};
    if (payload.size() == 1) return protocol_error("a close payload of one byte");
    if (payload.size() > kMaxControlPayload)
        return protocol_error("a control frame carries more than 125 bytes");
    auto code = static_cast<uint16_t>(payload[0] << 8 | payload[1]);
    if (!valid_close_code(code)) return protocol_error("the close code may not be sent");
    auto reason = as_text(payload.subspan(2));
    if (!valid_utf8(reason))
        return ProtocolError{CloseCode::InvalidPayload, "the close reason is not UTF-8"};
    return Close{code, reason};
}

const char* to_string(Opcode op) {
    switch (op) {
    case Opcode::Continuation:
        return "continuation";
    case Opcode::Text:
        return "text";
    case Opcode::Binary:
        return "binary";
    case Opcode::Close:
        return "close";
    case Opcode::Ping:
        return "ping";
    case Opcode::Pong:
        return "pong";
    }
    return "reserved";
}

} // namespace streamd::proto::websocket

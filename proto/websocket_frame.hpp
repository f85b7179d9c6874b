// WebSocket frames (RFC 6455 5): the header parsed from the bytes received so far, payload
// masking, the frames a server sends, and the body of a close frame.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::websocket {

enum class Opcode : uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// RFC 6455 7.4.1.
enum class CloseCode : uint16_t {
    Normal = 1000,
    GoingAway = 1001,
    ProtocolError = 1002,
    UnsupportedData = 1003,
    NoStatus = 1005,
    Abnormal = 1006,
    InvalidPayload = 1007,
    PolicyViolation = 1008,
    MessageTooBig = 1009,
    MandatoryExtension = 1010,
    InternalError = 1011,
    TlsHandshake = 1015,
};

// 2 bytes, 8 of extended length, 4 of mask.
inline constexpr size_t kMaxHeaderSize = 14;
inline constexpr size_t kMaxControlPayload = 125;
// A close payload's code takes 2 of its 125 bytes.
inline constexpr size_t kMaxCloseReason = kMaxControlPayload - 2;
inline constexpr uint64_t kDefaultMaxPayload = 16 * 1024 * 1024;

using MaskKey = std::array<uint8_t, 4>;

struct FrameHeader {
    bool fin = true;
    // RSV1, RSV2, RSV3 as bits 2, 1, 0.
    uint8_t rsv = 0;
    Opcode opcode = Opcode::Binary;
    bool masked = false;
    MaskKey mask{};
    uint64_t payload_length = 0;
    // Where the payload starts; ignored by encode_header.
    size_t header_size = 0;
    bool operator==(const FrameHeader&) const = default;
};

struct NeedMore {
    bool operator==(const NeedMore&) const = default;
};

// The close code to fail the connection with (RFC 6455 7.1.7) and why, in one line.
struct ProtocolError {
    CloseCode code = CloseCode::ProtocolError;
    std::string_view reason;
    bool operator==(const ProtocolError&) const = default;
};

using HeaderResult = std::variant<NeedMore, FrameHeader, ProtocolError>;

struct FrameRules {
    // Larger frames are refused with 1009 before any of their payload is read.
    uint64_t max_payload = kDefaultMaxPayload;
    // A server receives masked frames only, a client unmasked ones (RFC 6455 5.1).
    bool expect_masked = true;
    // RSV bits that a negotiated extension gives a meaning to; none by default.
    uint8_t allowed_rsv = 0;
};

bool is_control(Opcode op);
bool is_known(Opcode op);

// The header at the start of `in`. Errors are found from the first bytes that show them,
// so that a header refused as it arrives is refused the same way when it arrives whole.
HeaderResult parse_header(std::span<const uint8_t> in, const FrameRules& rules = {});

// XORs `payload` with the mask, where `offset` is how far into the frame's payload
// `payload` begins: a payload that arrives in pieces is unmasked piece by piece. Masking
// and unmasking are the same operation.
void unmask(std::span<uint8_t> payload, const MaskKey& key, uint64_t offset = 0);

struct EncodedHeader {
    std::array<uint8_t, kMaxHeaderSize> bytes{};
    size_t size = 0;
    std::span<const uint8_t> view() const& { return std::span(bytes).first(size); }
    // The bytes live in the object: a view of a temporary would dangle.
    std::span<const uint8_t> view() const&& = delete;
};

// The header in the fewest bytes, as RFC 6455 5.2 requires; the payload length must have
// its top bit clear.
EncodedHeader encode_header(const FrameHeader& h);

// Each appends one unmasked frame, as a server sends them. Control frames take at most 125
// bytes of payload and text must be UTF-8: anything else is a caller's mistake and throws
// std::invalid_argument.
void encode_frame(Opcode op, std::span<const uint8_t> payload, std::vector<uint8_t>& out,
                  bool fin = true);
void encode_binary(std::span<const uint8_t> payload, std::vector<uint8_t>& out);
void encode_text(std::string_view text, std::vector<uint8_t>& out);
void encode_ping(std::span<const uint8_t> payload, std::vector<uint8_t>& out);
void encode_pong(std::span<const uint8_t> payload, std::vector<uint8_t>& out);
// The reason is cut to kMaxCloseReason bytes on a character boundary; the code must be one
// that may be sent.
void encode_close(uint16_t code, std::string_view reason, std::vector<uint8_t>& out);
void encode_close(CloseCode code, std::string_view reason, std::vector<uint8_t>& out);

// Codes that may appear in a close frame (RFC 6455 7.4): 1005, 1006 and 1015 stand for
// "no close frame" and "no TLS" and are never sent.
bool valid_close_code(uint16_t code);

struct Close {
    // Absent when the payload is empty; the peer is then taken to have meant 1005.
    std::optional<uint16_t> code;
    // A view into the payload.
    std::string_view reason;
    bool operator==(const Close&) const = default;
};

// An empty payload, or a valid code and a UTF-8 reason.
std::variant<Close, ProtocolError> parse_close(std::span<const uint8_t> payload);

const char* to_string(Opcode op);

} // namespace streamd::proto::websocket

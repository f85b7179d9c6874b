// Messages from frames (RFC 6455 5.4): a text or binary message may be split over a first
// frame and continuation frames, with control frames between them; text must be UTF-8.
#pragma once

#include "websocket_frame.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

namespace streamd::proto::websocket {

// A whole text or binary message, or a control frame. The payload is a view into the
// frame given to add() when the message came in one frame, otherwise into the assembler:
// valid until the next call to add().
struct Message {
    Opcode opcode = Opcode::Binary;
    std::span<const uint8_t> payload;
};

using MessageResult = std::variant<NeedMore, Message, ProtocolError>;

class MessageAssembler {
public:
    explicit MessageAssembler(uint64_t max_message) : max_message_(max_message) {}

    // Whether a frame with this header may come next. Called as soon as the header is
    // parsed, it refuses a frame out of sequence or one that makes the message too large
    // before any of its payload is read; add() checks the same.
    std::optional<ProtocolError> check(const FrameHeader& h) const;

    // One whole frame, its payload unmasked (payload_length bytes). NeedMore when it was a
    // fragment of a message that goes on. A close frame's payload is checked with
    // parse_close(); after it, any frame is an error. After an error the connection is
    // failed (RFC 6455 7.1.7): the assembler is not meant to be fed again.
    MessageResult add(const FrameHeader& h, std::span<const uint8_t> payload);

    bool in_message() const { return current_.has_value(); }

private:
    // Checks the text received so far, except for a last character that the next fragment
    // may still complete.
    bool text_valid_so_far(bool final);

    uint64_t max_message_;
    std::optional<Opcode> current_;
    std::vector<uint8_t> buffer_;
    size_t utf8_checked_ = 0;
    bool closed_ = false;
};

} // namespace streamd::proto::websocket

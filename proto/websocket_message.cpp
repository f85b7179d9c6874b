#include "websocket_message.hpp"

#include "utf8.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>

namespace streamd::proto::websocket {

namespace {

ProtocolError protocol_error(std::string_view reason) {
    return {CloseCode::ProtocolError, reason};
}

std::string_view as_text(std::span<const uint8_t> bytes) {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// How many bytes a UTF-8 sequence that starts with `lead` has; 1 for bytes that cannot
// start one, which the validator then refuses.
size_t sequence_length(uint8_t lead) {
    if ((lead & 0xE0) == 0xC0) return 2;
    if ((lead & 0xF0) == 0xE0) return 3;
    if ((lead & 0xF8) == 0xF0) return 4;
    return 1;
}

} // namespace

std::optional<ProtocolError> MessageAssembler::check(const FrameHeader& h) const {
    if (closed_) return protocol_error("a frame follows the close frame");
    if (!is_known(h.opcode)) return protocol_error("the opcode is reserved");
    if (is_control(h.opcode)) {
        if (!h.fin || h.payload_length > kMaxControlPayload)
            return protocol_error("a control frame is fragmented or carries more than 125 bytes");
        return std::nullopt;
    }
    if (h.opcode == Opcode::Continuation && !current_)
        return protocol_error("a continuation frame without a message to continue");
    if (h.opcode != Opcode::Continuation && current_)
        return protocol_error("a new message starts before the last one ended");
    const uint64_t used = h.opcode == Opcode::Continuation ? buffer_.size() : 0;
    if (h.payload_length > max_message_ - std::min<uint64_t>(used, max_message_))
        return ProtocolError{CloseCode::MessageTooBig, "a message is larger than allowed"};
    return std::nullopt;
}

MessageResult MessageAssembler::add(const FrameHeader& h, std::span<const uint8_t> payload) {
    if (payload.size() != h.payload_length)
        throw std::invalid_argument("a WebSocket frame's payload does not match its header");
    if (auto error = check(h)) return *error;

    if (is_control(h.opcode)) {
        if (h.opcode == Opcode::Close) {
            auto close = parse_close(payload);
            if (auto* error = std::get_if<ProtocolError>(&close)) return *error;
            closed_ = true;
        }
        return Message{h.opcode, payload};
    }

    if (h.opcode != Opcode::Continuation && h.fin) {
        // A message in one frame, the common case, is handed back without a copy.
        if (h.opcode == Opcode::Text && !valid_utf8(as_text(payload)))
            return ProtocolError{CloseCode::InvalidPayload, "a text message is not UTF-8"};
        return Message{h.opcode, payload};
    }

    if (h.opcode != Opcode::Continuation) {
        current_ = h.opcode;
        buffer_.clear();
        utf8_checked_ = 0;
    }
    buffer_.insert(buffer_.end(), payload.begin(), payload.end());
    if (*current_ == Opcode::Text && !text_valid_so_far(h.fin))
        return ProtocolError{CloseCode::InvalidPayload, "a text message is not UTF-8"};
    if (!h.fin) return NeedMore{};
    Message m{*current_, buffer_};
    current_.reset();
    return m;
}

bool MessageAssembler::text_valid_so_far(bool final) {
    size_t end = buffer_.size();
    if (!final) {
        // A character split between fragments waits for the rest; it is at most 3 bytes.
        size_t floor = std::max(utf8_checked_, end >= 3 ? end - 3 : size_t{0});
        for (size_t i = end; i > floor; --i) {
            uint8_t b = buffer_[i - 1];
            if ((b & 0xC0) == 0x80) continue;
            if (sequence_length(b) > end - (i - 1)) end = i - 1;
            break;
        }
    }
    auto fresh = std::span<const uint8_t>(buffer_).subspan(utf8_checked_, end - utf8_checked_);
    if (!valid_utf8(as_text(fresh))) return false;
    utf8_checked_ = end;
    return true;
}

} // namespace streamd::proto::websocket

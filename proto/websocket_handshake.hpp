// The server's half of the WebSocket opening handshake (RFC 6455 4.2): whether a parsed
// request asks for a WebSocket correctly, and the Sec-WebSocket-Accept that answers it.
#pragma once

#include "http_request.hpp"

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::websocket {

// RFC 6455 1.3: appended to the client's key before hashing, so that only a server that
// understands WebSocket can produce the answer.
inline constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
inline constexpr std::string_view kVersion = "13";

// Views into the request.
struct Upgrade {
    std::string_view key;
    // Sec-WebSocket-Protocol, in the client's order of preference.
    std::vector<std::string_view> protocols;
};

// The upgrade, or the status to refuse it with. 426 means the request did not ask for
// WebSocket version 13: the answer must carry "Upgrade: websocket" and
// "Sec-WebSocket-Version: 13" (RFC 9110 15.5.22, RFC 6455 4.4).
std::variant<Upgrade, http::RequestError> check_upgrade(const http::Request& request);

// Base64 of SHA-1(key + kAcceptGuid).
std::string accept_key(std::string_view key);

} // namespace streamd::proto::websocket

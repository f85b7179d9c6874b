#include "websocket_handshake.hpp"

#include "base64.hpp"

#include <array>
#include <cstdint>
#include <openssl/evp.h>
#include <stdexcept>

namespace streamd::proto::websocket {

namespace {

using http::RequestError;
using http::Status;

// RFC 6455 4.1: the key is 16 random bytes in base64, each key with exactly one spelling.
bool valid_key(std::string_view key) {
    auto bytes = base64_decode(key);
    return bytes && bytes->size() == 16;
}

} // namespace

std::variant<Upgrade, RequestError> check_upgrade(const http::Request& request) {
    if (request.method != http::Method::Get)
        return RequestError{Status::BadRequest, "a WebSocket handshake is a GET request"};
    if (request.version != http::Version::Http11)
        return RequestError{Status::BadRequest, "a WebSocket handshake needs HTTP/1.1"};
    if (!request.has_token("Upgrade", "websocket"))
        return RequestError{Status::UpgradeRequired, "the request does not ask for websocket"};
    if (!request.has_token("Connection", "upgrade"))
        return RequestError{Status::BadRequest, "the Connection field does not list upgrade"};
    if (request.count("Sec-WebSocket-Version") != 1 ||
        request.find("Sec-WebSocket-Version") != kVersion)
        return RequestError{Status::UpgradeRequired, "only WebSocket version 13 is spoken here"};
    if (request.count("Sec-WebSocket-Key") != 1)
        return RequestError{Status::BadRequest, "the handshake needs one Sec-WebSocket-Key"};

    Upgrade upgrade;
    upgrade.key = *request.find("Sec-WebSocket-Key");
    if (!valid_key(upgrade.key))
        return RequestError{Status::BadRequest, "Sec-WebSocket-Key is not 16 bytes in base64"};
    for (const auto& h : request.headers) {
        if (!http::equal_ignoring_case(h.name, "Sec-WebSocket-Protocol")) continue;
        for (auto protocol : http::split_list(h.value)) {
            if (!http::is_token(protocol))
                return RequestError{Status::BadRequest,
                                    "a Sec-WebSocket-Protocol element is not a token"};
            upgrade.protocols.push_back(protocol);
        }
    }
    return upgrade;
}

std::string accept_key(std::string_view key) {
    std::string input;
    input.reserve(key.size() + kAcceptGuid.size());
    input.append(key).append(kAcceptGuid);
    std::array<uint8_t, EVP_MAX_MD_SIZE> digest{};
    unsigned length = 0;
    if (!EVP_Digest(input.data(), input.size(), digest.data(), &length, EVP_sha1(), nullptr) ||
        length != 20)
        throw std::runtime_error("SHA-1 failed");
    return base64_encode({reinterpret_cast<const char*>(digest.data()), length});
}

} // namespace streamd::proto::websocket

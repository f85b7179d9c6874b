// The proof of authentication method 1 (docs/PROTOCOL.md, AUTH): HMAC-SHA256 keyed with
// the daemons' shared key over a fixed label and the receiver's nonce.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace streamd::proto {

// WELCOME's authentication methods.
inline constexpr uint8_t kAuthNone = 0;
inline constexpr uint8_t kAuthHmacSha256 = 1;

using AuthNonce = std::array<uint8_t, 32>;
using AuthProof = std::array<uint8_t, 32>;

// HMAC-SHA256(key, "streamd auth v1" || nonce).
AuthProof auth_proof(std::span<const uint8_t> key, const AuthNonce& nonce);

// HMAC-SHA256(key, "streamd web token v1"): what a browser that proved the key shows
// in its requests over plain HTTP (docs/WEBSOCKET.md). It changes only with the key.
AuthProof web_token(std::span<const uint8_t> key);

// In time that does not depend on where the two differ, so that a peer cannot learn a
// valid proof byte by byte from how quickly it is refused.
bool proofs_match(const AuthProof& expected, const AuthProof& received);

} // namespace streamd::proto

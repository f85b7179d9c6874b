#include "auth_proof.hpp"

#include <algorithm>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdexcept>
#include <string_view>
#include <tuple>

namespace streamd::proto {

namespace {
// Binds a proof to this protocol and version: a MAC computed with the same key for any
// other purpose is never a valid proof.
constexpr std::string_view kLabel = "streamd auth v1";
constexpr std::string_view kWebTokenLabel = "streamd web token v1";

AuthProof hmac_sha256(std::span<const uint8_t> key, std::span<const uint8_t> message) {
    // OpenSSL takes a null key pointer for "no key"; an empty span may carry one.
    static constexpr uint8_t kNoKey = 0;
    const uint8_t* key_bytes = key.empty() ? &kNoKey : key.data();
    AuthProof mac{};
    unsigned length = 0;
    if (!HMAC(EVP_sha256(), key_bytes, static_cast<int>(key.size()), message.data(), message.size(),
              mac.data(), &length) ||
        length != mac.size())
        throw std::runtime_error("HMAC-SHA256 failed");
    return mac;
}

} // namespace

AuthProof auth_proof(std::span<const uint8_t> key, const AuthNonce& nonce) {
    std::array<uint8_t, kLabel.size() + std::tuple_size_v<AuthNonce>> message{};
    std::copy(kLabel.begin(), kLabel.end(), message.begin());
    std::copy(nonce.begin(), nonce.end(), message.begin() + kLabel.size());
    return hmac_sha256(key, message);
}

AuthProof web_token(std::span<const uint8_t> key) {
    return hmac_sha256(
        key, {reinterpret_cast<const uint8_t*>(kWebTokenLabel.data()), kWebTokenLabel.size()});
}

bool proofs_match(const AuthProof& expected, const AuthProof& received) {
    return CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

} // namespace streamd::proto

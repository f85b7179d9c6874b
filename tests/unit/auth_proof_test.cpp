// The AUTH proof against values computed independently with
//   printf 'streamd auth v1' NONCE | openssl dgst -sha256 -mac HMAC -macopt hexkey:KEY
// so that two implementations of docs/PROTOCOL.md agree on it, not just this one with itself.
#include "auth_proof.hpp"
#include "native_frames.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string_view>
#include <vector>

namespace streamd::proto {
namespace {

std::vector<uint8_t> bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

AuthNonce counting_nonce() {
    AuthNonce nonce{};
    for (size_t i = 0; i < nonce.size(); ++i)
        nonce[i] = static_cast<uint8_t>(i);
    return nonce;
}

TEST(AuthProof, KnownAnswer) {
    // key: the 24 bytes of the text below; nonce: 00 01 02 … 1f.
    EXPECT_EQ(to_hex(auth_proof(bytes_of("streamd-known-answer-key"), counting_nonce())),
              "e31d912f2b407c556a7bc3a4b9f833bb47b747867155ebf65edc2f58b25339a7");
}

TEST(AuthProof, KnownAnswerForAGeneratedKeyFile) {
    // A generated key file holds 64 hex digits; the key is those characters, not the 32
    // bytes they spell. nonce: 32 × aa.
    AuthNonce nonce{};
    nonce.fill(0xaa);
    EXPECT_EQ(
        to_hex(auth_proof(
            bytes_of("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), nonce)),
        "7cf19dc77760830fabed88a04ca83cb2175ad9335d7cfb45044a72e2d9fb2684");
}

TEST(AuthProof, AnotherNonceGivesAnotherProof) {
    auto key = bytes_of("streamd-known-answer-key");
    AuthNonce other = counting_nonce();
    other.back() ^= 1;
    EXPECT_NE(auth_proof(key, counting_nonce()), auth_proof(key, other));
}

TEST(AuthProof, AnotherKeyGivesAnotherProof) {
    EXPECT_NE(auth_proof(bytes_of("streamd-known-answer-key"), counting_nonce()),
              auth_proof(bytes_of("streamd-known-answer-kez"), counting_nonce()));
}

TEST(AuthProof, SameInputsGiveTheSameProof) {
    auto key = bytes_of("streamd-known-answer-key");
    EXPECT_EQ(auth_proof(key, counting_nonce()), auth_proof(key, counting_nonce()));
}

TEST(AuthProof, ProofsMatchOnlyWhenEveryByteIsEqual) {
    AuthProof proof = auth_proof(bytes_of("streamd-known-answer-key"), counting_nonce());
    EXPECT_TRUE(proofs_match(proof, proof));
    for (size_t i : {size_t{0}, size_t{17}, proof.size() - 1}) {
        AuthProof changed = proof;
        changed[i] ^= 0x80;
        EXPECT_FALSE(proofs_match(proof, changed)) << "byte " << i;
    }
}

} // namespace
} // namespace streamd::proto

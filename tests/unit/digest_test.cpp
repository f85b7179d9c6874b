// The digests of browser uploads, which a JavaScript client computes too: the values
// here are the ones it must agree with.

#include "auth_proof.hpp"
#include "digest.hpp"

#include <gtest/gtest.h>
#include <string_view>
#include <vector>

namespace streamd::proto {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(Digest, Xxh32KnownValues) {
    EXPECT_EQ(xxh32({}), 0x02cc5d05u);
    EXPECT_EQ(xxh32(bytes_of("abc")), 0x32d153ffu);
    EXPECT_EQ(chunk_digest(DigestAlgorithm::Xxh32, bytes_of("abc")), 0x32d153ffu);
    EXPECT_EQ(chunk_digest(DigestAlgorithm::None, bytes_of("abc")), 0u);
}

TEST(Digest, Xxh32InPiecesIsXxh32Whole) {
    std::vector<uint8_t> data(100'003);
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<uint8_t>(i * 131 + 7);
    Xxh32Hasher h;
    std::span<const uint8_t> all(data);
    h.update(all.first(1));
    h.update(all.subspan(1, 4096));
    h.update(all.subspan(4097));
    EXPECT_EQ(h.digest(), xxh32(data));
    h.reset();
    EXPECT_EQ(h.digest(), xxh32({}));
}

TEST(Digest, Xxh32FileDigestIsSha256OfBigEndianDigests) {
    // The first 16 bytes of SHA-256 of nothing: the digest of a file of no chunks.
    FileDigest empty{0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14,
                     0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24};
    EXPECT_EQ(xxh32_file_digest({}), empty);
    EXPECT_EQ(file_digest(DigestAlgorithm::Xxh32, {}), empty);
    std::vector<uint64_t> two{1, 0x02cc5d05};
    EXPECT_NE(xxh32_file_digest(two), empty);
    std::vector<uint64_t> swapped{0x02cc5d05, 1};
    EXPECT_NE(xxh32_file_digest(two), xxh32_file_digest(swapped));
}

TEST(Digest, WebTokenDependsOnTheKeyAlone) {
    auto a = web_token(bytes_of("key one"));
    EXPECT_EQ(a, web_token(bytes_of("key one")));
    EXPECT_NE(a, web_token(bytes_of("key two")));
    AuthNonce zero{};
    EXPECT_NE(a, auth_proof(bytes_of("key one"), zero));
}

} // namespace
} // namespace streamd::proto

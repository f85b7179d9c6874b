#include "digest.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <openssl/sha.h>
#include <vector>
#include <xxhash.h>
#if defined(__x86_64__)
// XXH3 at the widest vector unit the CPU has (AVX2, AVX-512), picked at run time by the
// library; its plain functions stop at SSE2, which hashes at a third of the speed.
#include <xxh_x86dispatch.h>
#endif

namespace streamd::proto {

uint64_t chunk_digest(std::span<const uint8_t> data) {
    return XXH3_64bits(data.data(), data.size());
}

uint32_t xxh32(std::span<const uint8_t> data) {
    return XXH32(data.data(), data.size(), 0);
}

uint64_t chunk_digest(DigestAlgorithm algorithm, std::span<const uint8_t> data) {
    switch (algorithm) {
    case DigestAlgorithm::Xxh3:
        return chunk_digest(data);
    case DigestAlgorithm::Xxh32:
        return xxh32(data);
    case DigestAlgorithm::None:
        break;
    }
    return 0;
}

Xxh32Hasher::Xxh32Hasher() : state_(XXH32_createState()) {
    if (!state_) throw std::bad_alloc();
    reset();
}

Xxh32Hasher::~Xxh32Hasher() {
    XXH32_freeState(state_);
}

void Xxh32Hasher::reset() {
    XXH32_reset(state_, 0);
}

void Xxh32Hasher::update(std::span<const uint8_t> piece) {
    XXH32_update(state_, piece.data(), piece.size());
}

uint32_t Xxh32Hasher::digest() const {
    return XXH32_digest(state_);
}

ChunkHasher::ChunkHasher() : state_(XXH3_createState()) {
    if (!state_) throw std::bad_alloc();
    reset();
}

ChunkHasher::~ChunkHasher() {
    XXH3_freeState(state_);
}

void ChunkHasher::reset() {
    XXH3_64bits_reset(state_);
}

void ChunkHasher::update(std::span<const uint8_t> piece) {
    XXH3_64bits_update(state_, piece.data(), piece.size());
}

uint64_t ChunkHasher::digest() const {
    return XXH3_64bits_digest(state_);
}

uint64_t zero_digest(uint64_t length) {
    static const std::array<uint8_t, 64 * 1024> zeros{};
    ChunkHasher h;
    while (length > 0) {
        size_t n = std::min<uint64_t>(length, zeros.size());
        h.update({zeros.data(), n});
        length -= n;
    }
    return h.digest();
}

FileDigest file_digest(std::span<const uint64_t> chunk_digests) {
    std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> s(XXH3_createState(),
                                                                      XXH3_freeState);
    if (!s) throw std::bad_alloc();
    XXH3_128bits_reset(s.get());
    for (uint64_t d : chunk_digests) {
        std::array<uint8_t, 8> be;
        for (int i = 0; i < 8; ++i)
            be[i] = static_cast<uint8_t>(d >> (8 * (7 - i)));
        XXH3_128bits_update(s.get(), be.data(), be.size());
    }
    XXH128_canonical_t canon;
    XXH128_canonicalFromHash(&canon, XXH3_128bits_digest(s.get()));
    FileDigest out;
    std::copy(std::begin(canon.digest), std::end(canon.digest), out.begin());
    return out;
}

FileDigest xxh32_file_digest(std::span<const uint64_t> chunk_digests) {
    std::vector<uint8_t> be;
    be.reserve(chunk_digests.size() * 4);
    for (uint64_t d : chunk_digests)
        for (int i = 3; i >= 0; --i)
            be.push_back(static_cast<uint8_t>(d >> (8 * i)));
    std::array<uint8_t, SHA256_DIGEST_LENGTH> sha{};
    SHA256(be.data(), be.size(), sha.data());
    FileDigest out;
    std::copy_n(sha.begin(), out.size(), out.begin());
    return out;
}

FileDigest file_digest(DigestAlgorithm algorithm, std::span<const uint64_t> chunk_digests) {
    switch (algorithm) {
    case DigestAlgorithm::Xxh3:
        return file_digest(chunk_digests);
    case DigestAlgorithm::Xxh32:
        return xxh32_file_digest(chunk_digests);
    case DigestAlgorithm::None:
        break;
    }
    return {};
}

} // namespace streamd::proto

// Chunk and whole-file digests (docs/PROTOCOL.md, FINISH).
#pragma once

#include "native_frames.hpp"

#include <cstdint>
#include <span>

struct XXH3_state_s; // xxhash.h, kept out of this header
struct XXH32_state_s;

namespace streamd::proto {

uint64_t chunk_digest(std::span<const uint8_t> data);
// The digest of a chunk under `algorithm`; 0 for None.
uint64_t chunk_digest(DigestAlgorithm algorithm, std::span<const uint8_t> data);
uint32_t xxh32(std::span<const uint8_t> data);

// chunk_digest() fed piece by piece, for data that arrives in pieces.
class ChunkHasher {
public:
    ChunkHasher();
    ChunkHasher(const ChunkHasher&) = delete;
    ChunkHasher& operator=(const ChunkHasher&) = delete;
    ~ChunkHasher();

    void reset();
    void update(std::span<const uint8_t> piece);
    uint64_t digest() const;

private:
    ::XXH3_state_s* state_;
};
// The digest of `length` zero bytes, for HOLE chunks.
uint64_t zero_digest(uint64_t length);
// XXH3-128 over the chunk digests, each as 8 big-endian bytes, in chunk order.
FileDigest file_digest(std::span<const uint64_t> chunk_digests);
// The first 16 bytes of SHA-256 over the chunk digests, each as 4 big-endian bytes, in
// chunk order: the whole-file digest of XXH32 chunks.
FileDigest xxh32_file_digest(std::span<const uint64_t> chunk_digests);
FileDigest file_digest(DigestAlgorithm algorithm, std::span<const uint64_t> chunk_digests);

// XXH32 fed piece by piece.
class Xxh32Hasher {
public:
    Xxh32Hasher();
    Xxh32Hasher(const Xxh32Hasher&) = delete;
    Xxh32Hasher& operator=(const Xxh32Hasher&) = delete;
    ~Xxh32Hasher();

    void reset();
    void update(std::span<const uint8_t> piece);
    uint32_t digest() const;

private:
    ::XXH32_state_s* state_;
};

} // namespace streamd::proto

#include "digest.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <xxhash.h>

namespace streamd::proto {

namespace {
struct StateDeleter {
    void operator()(XXH3_state_t* s) const { XXH3_freeState(s); }
};
using State = std::unique_ptr<XXH3_state_t, StateDeleter>;

State new_state() {
    State s(XXH3_createState());
    if (!s) throw std::bad_alloc();
    return s;
}
} // namespace

uint64_t chunk_digest(std::span<const uint8_t> data) {
    return XXH3_64bits(data.data(), data.size());
}

uint64_t zero_digest(uint64_t length) {
    static const std::array<uint8_t, 64 * 1024> zeros{};
    auto s = new_state();
    XXH3_64bits_reset(s.get());
    while (length > 0) {
        size_t n = std::min<uint64_t>(length, zeros.size());
        XXH3_64bits_update(s.get(), zeros.data(), n);
        length -= n;
    }
    return XXH3_64bits_digest(s.get());
}

FileDigest file_digest(std::span<const uint64_t> chunk_digests) {
    auto s = new_state();
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

} // namespace streamd::proto

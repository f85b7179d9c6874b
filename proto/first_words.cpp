#include "first_words.hpp"

#include "native_frames.hpp"

namespace streamd::proto {

namespace {
constexpr uint8_t kTlsHandshake = 0x16; // content type 22
constexpr uint8_t kTlsMajor = 0x03;     // every TLS version is 3.x on the wire
} // namespace

FirstWords classify_first_words(std::span<const uint8_t> bytes) {
    if (bytes.empty()) return FirstWords::Unknown;
    if (bytes[0] == kTlsHandshake) {
        const bool tls = bytes.size() < 2 || bytes[1] == kTlsMajor;
        return tls ? FirstWords::Tls : FirstWords::Unknown;
    }
    if (bytes.size() >= kPreambleSize && has_magic(bytes.first(kPreambleSize)))
        return FirstWords::Native;
    // Every HTTP method is an upper-case token.
    if (bytes[0] >= 'A' && bytes[0] <= 'Z') return FirstWords::Http;
    return FirstWords::Unknown;
}

} // namespace streamd::proto

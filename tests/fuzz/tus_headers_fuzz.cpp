// The tus header fields from the network. Whatever parses must mean exactly one thing: a
// size prints back as the digits it came from (leading zeros aside), Base64 encodes back
// to the very text it was decoded from, and metadata keys hold only what a key may.
#include "fuzz_check.hpp"
#include "tus_headers.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

std::string base64_encode(const std::vector<uint8_t>& bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        uint32_t bits = uint32_t{bytes[i]} << 16;
        if (i + 1 < bytes.size()) bits |= uint32_t{bytes[i + 1]} << 8;
        if (i + 2 < bytes.size()) bits |= bytes[i + 2];
        out += kAlphabet[bits >> 18 & 63];
        out += kAlphabet[bits >> 12 & 63];
        out += i + 1 < bytes.size() ? kAlphabet[bits >> 6 & 63] : '=';
        out += i + 2 < bytes.size() ? kAlphabet[bits & 63] : '=';
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd::proto::tus;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto n = parse_size(text)) {
        std::string_view digits = text;
        while (digits.size() > 1 && digits.front() == '0')
            digits.remove_prefix(1);
        FUZZ_CHECK(std::to_string(*n) == digits);
    }
    if (auto bytes = base64_decode(text)) FUZZ_CHECK(base64_encode(*bytes) == text);
    if (auto pairs = parse_metadata(text)) {
        for (const auto& [key, value] : *pairs) {
            FUZZ_CHECK(!key.empty());
            for (char c : key)
                FUZZ_CHECK(c > ' ' && c < 0x7F && c != ',');
        }
    }
    if (auto checksum = parse_checksum(text)) {
        FUZZ_CHECK(!checksum->algorithm.empty() && !checksum->digest.empty());
        FUZZ_CHECK(text == checksum->algorithm + " " + base64_encode(checksum->digest));
    }
    if (auto concat = parse_concat(text); concat && concat->final) {
        FUZZ_CHECK(!concat->parts.empty());
        for (const auto& part : concat->parts)
            FUZZ_CHECK(!part.empty() && part.find(' ') == std::string::npos);
    }
    return 0;
}

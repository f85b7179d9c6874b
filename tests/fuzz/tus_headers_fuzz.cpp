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

std::string encoded(const std::vector<uint8_t>& bytes) {
    return streamd::proto::base64_encode(
        {reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd::proto;
    using namespace streamd::proto::tus;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto n = parse_size(text)) {
        std::string_view digits = text;
        while (digits.size() > 1 && digits.front() == '0')
            digits.remove_prefix(1);
        FUZZ_CHECK(std::to_string(*n) == digits);
    }
    if (auto bytes = base64_decode(text)) FUZZ_CHECK(encoded(*bytes) == text);
    if (auto pairs = parse_metadata(text)) {
        for (const auto& [key, value] : *pairs) {
            FUZZ_CHECK(!key.empty());
            for (char c : key)
                FUZZ_CHECK(c > ' ' && c < 0x7F && c != ',');
        }
    }
    if (auto checksum = parse_checksum(text)) {
        FUZZ_CHECK(!checksum->algorithm.empty() && !checksum->digest.empty());
        FUZZ_CHECK(text == checksum->algorithm + " " + encoded(checksum->digest));
    }
    if (auto concat = parse_concat(text); concat && concat->final) {
        FUZZ_CHECK(!concat->parts.empty());
        for (const auto& part : concat->parts)
            FUZZ_CHECK(!part.empty() && part.find(' ') == std::string::npos);
    }
    return 0;
}

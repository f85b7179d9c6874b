// The header fields of the tus resumable upload protocol 1.0.0
// (https://tus.io/protocols/resumable-upload), as they come in requests: parsed strictly,
// without I/O. Each returns nothing for a value the protocol does not allow.
#pragma once

#include "base64.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::proto::tus {

inline constexpr std::string_view kVersion = "1.0.0";

// Upload-Offset and Upload-Length: decimal digits, at most 2^63 - 1.
std::optional<uint64_t> parse_size(std::string_view field);

// Upload-Metadata: comma-separated pairs of a key and, after one space, its value in
// Base64 ("filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential"). Keys are
// non-empty, unique, of printable ASCII without spaces and commas; a key without a value
// maps to "".
std::optional<std::map<std::string, std::string>> parse_metadata(std::string_view field);

// Upload-Checksum: the algorithm and, after one space, the digest in Base64.
struct Checksum {
    std::string algorithm;
    std::vector<uint8_t> digest;
};
std::optional<Checksum> parse_checksum(std::string_view field);

// Upload-Concat: "partial", or "final;" followed by the partial uploads' URLs separated
// by spaces.
struct Concat {
    bool final = false;
    std::vector<std::string> parts; // with `final`
};
std::optional<Concat> parse_concat(std::string_view field);

} // namespace streamd::proto::tus

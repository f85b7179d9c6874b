// What a Range field (RFC 9110 14.2) asks of a representation of a known size. Only a
// single byte range is served as such: several ranges would need a multipart body, and
// RFC 9110 lets a server answer them with the whole representation instead.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace streamd::proto::http {

// Byte positions, both inclusive, within the representation.
struct ByteRange {
    uint64_t first = 0;
    uint64_t last = 0;
    uint64_t length() const { return last - first + 1; }
    bool operator==(const ByteRange&) const = default;
};

// The whole representation, 200: no range asked for, several, or one that is malformed
// (a field a server does not understand is ignored, RFC 9110 14.2).
struct WholeRepresentation {
    bool operator==(const WholeRepresentation&) const = default;
};

// 416: a well-formed range that lies wholly outside the representation.
struct Unsatisfiable {
    bool operator==(const Unsatisfiable&) const = default;
};

using RangeRequest = std::variant<WholeRepresentation, ByteRange, Unsatisfiable>;

RangeRequest evaluate_range(std::string_view field, uint64_t size);

// "bytes 0-99/1000" for a 206, and "bytes */1000" for a 416.
std::string content_range(const ByteRange& range, uint64_t size);
std::string unsatisfied_content_range(uint64_t size);

} // namespace streamd::proto::http

// Base64 with padding (RFC 4648 4), strict both ways: each text decodes to one meaning and
// each byte string has one spelling, as the header fields that carry it need.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::proto {

std::string base64_encode(std::string_view bytes);
// Nothing for other characters, missing padding, or bits left over.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

} // namespace streamd::proto

// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
#pragma once

#include <string_view>

namespace streamd::proto {

bool valid_utf8(std::string_view s);

} // namespace streamd::proto

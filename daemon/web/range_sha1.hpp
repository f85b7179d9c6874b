// The SHA-1 digest of a stretch of a file, read back from the page cache where a request
// body was just written: the tus checksum extension asks for it (docs/HTTP.md).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace streamd {

// Nothing when the file cannot be read.
std::optional<std::vector<uint8_t>> range_sha1(int fd, uint64_t offset, uint64_t length);

} // namespace streamd

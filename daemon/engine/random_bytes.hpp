// Random bytes from the kernel, for transfer ids, nonces and keys.
#pragma once

#include <cstdint>
#include <span>

namespace streamd {

// Fills `out` from getrandom(2); throws std::system_error.
void random_bytes(std::span<uint8_t> out);

} // namespace streamd

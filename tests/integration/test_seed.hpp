// Seeds for tests that draw where to break things: a fresh one in every run, and the one a
// failure reported again when STREAMD_TEST_SEED is set to it.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

namespace streamd::it {

inline std::uint64_t test_seed() {
    if (const char* given = std::getenv("STREAMD_TEST_SEED")) return std::stoull(given);
    std::random_device device;
    return (std::uint64_t{device()} << 32) | device();
}

} // namespace streamd::it

#pragma once

#include <filesystem>

namespace streamd::it {

// The binaries under test, passed in by meson as STREAMD_BIN and STREAMCTL_BIN.
std::filesystem::path streamd_binary();
std::filesystem::path streamctl_binary();

} // namespace streamd::it

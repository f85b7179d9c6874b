#pragma once

#include <filesystem>

namespace streamd::it {

// The binaries under test, passed in by meson as STREAMD_BIN and STREAMCTL_BIN.
std::filesystem::path streamd_binary();
std::filesystem::path streamctl_binary();
// The source tree, passed in as STREAMD_SOURCE_ROOT, for tests that read the documentation.
std::filesystem::path source_root();

} // namespace streamd::it

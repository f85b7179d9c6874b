#include "tool_paths.hpp"

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace streamd::it {

namespace {

std::filesystem::path from_environment(const char* variable) {
    const char* value = std::getenv(variable);
    if (value == nullptr || *value == '\0')
        throw std::runtime_error(std::string(variable) +
                                 " is not set; run the suite through `meson test`");
    std::filesystem::path path(value);
    if (!std::filesystem::exists(path))
        throw std::runtime_error(std::string(variable) + " names a missing file: " + value);
    return path;
}

} // namespace

std::filesystem::path streamd_binary() {
    return from_environment("STREAMD_BIN");
}
std::filesystem::path streamctl_binary() {
    return from_environment("STREAMCTL_BIN");
}
std::filesystem::path source_root() {
    return from_environment("STREAMD_SOURCE_ROOT");
}

} // namespace streamd::it

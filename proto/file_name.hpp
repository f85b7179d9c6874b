// What a file name from the network must look like before it touches the disk.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace streamd::proto {

// Prefix of the receiver's own partial files; offered names may not use it.
inline constexpr std::string_view kPartialPrefix = ".streamd-";

// Why `name` is not a safe bare file name, or nothing when it is.
std::optional<std::string> name_problem(std::string_view name);

// The last component of a local path, which is what a sender offers.
std::string bare_name(std::string_view path);

} // namespace streamd::proto

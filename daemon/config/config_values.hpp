// How one value of streamd.toml is read and checked: each reader takes the TOML node
// and the key's full name ("[transfer] chunk_size") and throws Problem with the node's
// position and a one-line reason for the user.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <toml++/toml.h>
#include <utility>

namespace streamd::config_values {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
// Buffers are handed to splice and page-cache I/O, which work in whole pages.
constexpr uint64_t kPage = 4 * KiB;

// Thrown by the value readers here and caught per key, so that every key is checked and
// the problem earliest in the file can be reported rather than the first in key order.
struct Problem {
    toml::source_position where;
    std::string reason;
};

struct SizeLimits {
    uint64_t min = 0;
    uint64_t max = UINT64_MAX;
    uint64_t multiple_of = 1;
};

// For messages: control bytes escaped; a user's value echoed, cut when long; a size
// exactly ("64 KiB").
std::string one_line(std::string_view text);
std::string as_written(std::string_view value);
std::string exact_size(uint64_t bytes);
// Throws the Problem of `value`.
[[noreturn]] void fail(const toml::node& value, std::string reason);
// "SOURCE:LINE:COLUMN: reason", on one line.
std::string format_error(std::string_view source, toml::source_position where,
                         std::string_view reason);
int64_t read_integer(const toml::node& value, const std::string& name, int64_t min, int64_t max);
bool read_bool(const toml::node& value, const std::string& name);
const std::string& read_string(const toml::node& value, const std::string& name);
// Sizes may be written as plain bytes (an integer) or as a string such as "4M".
uint64_t read_size(const toml::node& value, const std::string& name, SizeLimits limits);
// Bytes per second, written as a size: 0 for none, or at least proto::kMinRate.
uint64_t read_rate(const toml::node& value, const std::string& name);
// Durations may be written as seconds (an integer) or as a string such as "1h".
uint64_t read_duration(const toml::node& value, const std::string& name);
std::string read_address(const toml::node& value, const std::string& name);
std::filesystem::path read_path(const toml::node& value, const std::string& name,
                                const std::filesystem::path& base_dir);
std::filesystem::path read_directory(const toml::node& value, const std::string& name,
                                     const std::filesystem::path& base_dir);
std::filesystem::path read_file_path(const toml::node& value, const std::string& name,
                                     const std::filesystem::path& base_dir);
std::string read_group(const toml::node& value, const std::string& name);

template <typename E>
E read_choice(const toml::node& value, const std::string& name,
              std::initializer_list<std::pair<std::string_view, E>> choices) {
    const std::string& text = read_string(value, name);
    for (const auto& [word, result] : choices)
        if (text == word) return result;
    std::string list;
    for (const auto& choice : choices) {
        if (!list.empty()) list += ", ";
        list += choice.first;
    }
    fail(value, name + " must be one of " + list + ", got " + as_written(text));
}

} // namespace streamd::config_values

#include "config/config_values.hpp"

#include "config/config.hpp"
#include "size_units.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <netinet/in.h>
#include <system_error>

namespace streamd::config_values {

// Error messages are promised to be one line, but TOML strings, keys and paths may hold
// any character; control bytes are escaped the way a C string would show them.
std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        auto u = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (u < 0x20 || u == 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[u >> 4];
            out += hex[u & 0xf];
        } else {
            out += c;
        }
    }
    return out;
}

// Echoes a user's value in a message; long values are cut so the line stays readable.
std::string as_written(std::string_view value) {
    constexpr size_t kMax = 60;
    if (value.size() <= kMax) return '"' + std::string(value) + '"';
    size_t cut = kMax - 3;
    // Never split a UTF-8 sequence: back up over continuation bytes.
    while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xc0) == 0x80)
        --cut;
    return '"' + std::string(value.substr(0, cut)) + "...\"";
}

// Exact, unlike format_size: a limit of 64 KiB must not be shown as the rounded value of a
// number just below it.
std::string exact_size(uint64_t bytes) {
    static constexpr std::pair<uint64_t, const char*> units[] = {
        {MiB * MiB, "TiB"}, {KiB * MiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}};
    for (auto [unit, name] : units)
        if (bytes >= unit && bytes % unit == 0) return std::to_string(bytes / unit) + " " + name;
    return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

[[noreturn]] void fail(const toml::node& value, std::string reason) {
    throw Problem{value.source().begin, std::move(reason)};
}

std::string format_error(std::string_view source, toml::source_position where,
                         std::string_view reason) {
    std::string out(source);
    if (where) out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
    out += ": ";
    out += reason;
    return one_line(out);
}

int64_t read_integer(const toml::node& value, const std::string& name, int64_t min, int64_t max) {
    const auto* v = value.as_integer();
    if (!v) fail(value, name + " must be an integer");
    int64_t n = v->get();
    if (n < min || n > max)
        fail(value, name + " must be between " + std::to_string(min) + " and " +
                        std::to_string(max) + ", got " + std::to_string(n));
    return n;
}

bool read_bool(const toml::node& value, const std::string& name) {
    const auto* v = value.as_boolean();
    if (!v) fail(value, name + " must be true or false");
    return v->get();
}

const std::string& read_string(const toml::node& value, const std::string& name) {
    const auto* v = value.as_string();
    if (!v) fail(value, name + " must be a string");
    return v->get();
}

// Sizes may be written as plain bytes (an integer) or as a string such as "4M".
uint64_t read_size(const toml::node& value, const std::string& name, SizeLimits limits) {
    uint64_t bytes = 0;
    if (const auto* i = value.as_integer()) {
        if (i->get() < 0)
            fail(value, name + " must not be negative, got " + std::to_string(i->get()));
        bytes = static_cast<uint64_t>(i->get());
    } else if (const auto* s = value.as_string()) {
        try {
            bytes = proto::parse_size(s->get());
        } catch (const std::invalid_argument& e) {
            fail(value, name + ": " + e.what());
        }
    } else {
        fail(value, name + " must be an integer or a size string such as \"4M\"");
    }
    if (bytes < limits.min || bytes > limits.max)
        fail(value, name + " must be between " + exact_size(limits.min) + " and " +
                        exact_size(limits.max) + ", got " + exact_size(bytes));
    if (bytes % limits.multiple_of != 0)
        fail(value, name + " must be a multiple of " + exact_size(limits.multiple_of) + ", got " +
                        exact_size(bytes));
    return bytes;
}

uint64_t read_rate(const toml::node& value, const std::string& name) {
    const uint64_t rate = read_size(value, name, {});
    if (!proto::valid_rate(rate))
        fail(value, name + " must be 0 (no limit) or at least " + exact_size(proto::kMinRate) +
                        " per second, got " + exact_size(rate));
    return rate;
}

// Durations may be written as seconds (an integer) or as a string such as "1h".
uint64_t read_duration(const toml::node& value, const std::string& name) {
    if (const auto* i = value.as_integer()) {
        if (i->get() < 0)
            fail(value, name + " must not be negative, got " + std::to_string(i->get()));
        return static_cast<uint64_t>(i->get());
    }
    if (const auto* s = value.as_string()) {
        try {
            return parse_duration(s->get());
        } catch (const std::invalid_argument& e) {
            fail(value, name + ": " + e.what());
        }
    }
    fail(value, name + " must be seconds or a duration string such as \"1h\" or \"15m\"");
}

std::string read_address(const toml::node& value, const std::string& name) {
    std::string address = read_string(value, name);
    // The listener binds exactly one socket, so "localhost" must pick one family; IPv4
    // loopback is the one every host has.
    if (address == "localhost") return "127.0.0.1";
    in_addr v4{};
    in6_addr v6{};
    bool literal =
        address.find('\0') == std::string::npos && (inet_pton(AF_INET, address.c_str(), &v4) == 1 ||
                                                    inet_pton(AF_INET6, address.c_str(), &v6) == 1);
    if (!literal)
        fail(value, name + " must be an IPv4 or IPv6 address or \"localhost\", got " +
                        as_written(address));
    return address;
}

// A path as written, made absolute against `base_dir` and normalised.
std::filesystem::path read_path(const toml::node& value, const std::string& name,
                                const std::filesystem::path& base_dir) {
    const std::string& text = read_string(value, name);
    if (text.empty()) fail(value, name + " must not be empty");
    if (text.find('\0') != std::string::npos)
        fail(value, name + " must not contain a NUL character");
    std::filesystem::path path(text);
    if (path.is_relative()) path = base_dir / path;
    return path.lexically_normal();
}

std::filesystem::path read_directory(const toml::node& value, const std::string& name,
                                     const std::filesystem::path& base_dir) {
    std::filesystem::path path = read_path(value, name, base_dir);
    // "/srv/in/" and "/srv/in" name the same folder; keep one spelling for logs and joins.
    if (!path.has_filename() && path.has_relative_path()) path = path.parent_path();
    return path;
}

std::filesystem::path read_file_path(const toml::node& value, const std::string& name,
                                     const std::filesystem::path& base_dir) {
    std::filesystem::path path = read_path(value, name, base_dir);
    if (!path.has_filename())
        fail(value,
             name + " must name a file, not a folder, got " + as_written(read_string(value, name)));
    return path;
}

std::string read_group(const toml::node& value, const std::string& name) {
    const std::string& text = read_string(value, name);
    // What useradd accepts, so that a typo cannot name something no group can be.
    bool valid = !text.empty() && text.size() <= 32 && text[0] != '-' &&
                 std::all_of(text.begin(), text.end(), [](char ch) {
                     return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ||
                            ch == '-' || ch == '.';
                 });
    if (!valid) fail(value, name + " must be a group name, got " + as_written(text));
    return text;
}

} // namespace streamd::config_values

#include "config/config.hpp"

#include "native_frames.hpp"
#include "size_units.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <functional>
#include <initializer_list>
#include <memory>
#include <netinet/in.h>
#include <system_error>
#include <toml++/toml.h>
#include <utility>
#include <vector>

namespace streamd {
namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
// Buffers are handed to splice and page-cache I/O, which work in whole pages.
constexpr uint64_t kPage = 4 * KiB;

// Thrown by the value readers below and caught per key, so that every key is checked and
// the problem earliest in the file can be reported rather than the first in key order.
struct Problem {
    toml::source_position where;
    std::string reason;
};

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

struct SizeLimits {
    uint64_t min = 0;
    uint64_t max = UINT64_MAX;
    uint64_t multiple_of = 1;
};

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

struct Key {
    std::string_view name;
    std::function<void(const toml::node& value, const std::string& full_name)> read;
};

class Loader {
public:
    Loader(std::string_view source, std::filesystem::path base_dir)
        : source_(source), base_dir_(std::move(base_dir)) {}

    Config load(const toml::table& root) {
        Config c;
        // clang-format off
        const std::pair<std::string_view, std::vector<Key>> tables[] = {
            {"listen", {
                {"address", [&](auto& v, auto& n) { c.listen.address = read_address(v, n); }},
                {"port", [&](auto& v, auto& n) {
                    c.listen.port = static_cast<uint16_t>(read_integer(v, n, 0, 65535)); }},
            }},
            {"storage", {
                {"incoming", [&](auto& v, auto& n) {
                    c.storage.incoming = read_directory(v, n, base_dir_); }},
                {"max_file_size", [&](auto& v, auto& n) {
                    c.storage.max_file_size = read_size(v, n, {}); }},
                {"on_conflict", [&](auto& v, auto& n) {
                    c.storage.on_conflict = read_choice<OnConflict>(v, n, {
                        {"rename", OnConflict::Rename},
                        {"overwrite", OnConflict::Overwrite},
                        {"fail", OnConflict::Fail}}); }},
                {"reserve", [&](auto& v, auto& n) { c.storage.reserve = read_size(v, n, {}); }},
                {"state", [&](auto& v, auto& n) {
                    c.storage.state = read_directory(v, n, base_dir_); }},
                {"partial_ttl", [&](auto& v, auto& n) {
                    c.storage.partial_ttl = read_duration(v, n); }},
            }},
            {"transfer", {
                {"streams", [&](auto& v, auto& n) {
                    c.transfer.streams = static_cast<unsigned>(read_integer(v, n, 1, 64)); }},
                {"chunk_size", [&](auto& v, auto& n) {
                    c.transfer.chunk_size = static_cast<uint32_t>(
                        read_size(v, n, {proto::kMinChunk, proto::kMaxChunk, proto::kChunkAlignment})); }},
                {"max_active", [&](auto& v, auto& n) {
                    c.transfer.max_active = static_cast<unsigned>(read_integer(v, n, 1, 1024)); }},
                {"verify", [&](auto& v, auto& n) { c.transfer.verify = read_bool(v, n); }},
                {"keep_finished", [&](auto& v, auto& n) {
                    c.transfer.keep_finished = read_duration(v, n); }},
                {"reconnect_attempts", [&](auto& v, auto& n) {
                    c.transfer.reconnect_attempts =
                        static_cast<unsigned>(read_integer(v, n, 0, 1000)); }},
                {"reconnect_delay", [&](auto& v, auto& n) {
                    c.transfer.reconnect_delay = read_duration(v, n); }},
            }},
            {"limits", {
                {"handshake_timeout", [&](auto& v, auto& n) {
                    c.limits.handshake_timeout = read_duration(v, n); }},
                {"idle_timeout", [&](auto& v, auto& n) {
                    c.limits.idle_timeout = read_duration(v, n); }},
                {"max_incoming", [&](auto& v, auto& n) {
                    c.limits.max_incoming = static_cast<unsigned>(read_integer(v, n, 0, 65536)); }},
                {"max_connections_per_address", [&](auto& v, auto& n) {
                    c.limits.max_connections_per_address =
                        static_cast<unsigned>(read_integer(v, n, 0, 65536)); }},
            }},
            {"auth", {
                {"secret_file", [&](auto& v, auto& n) {
                    c.auth.secret_file = read_file_path(v, n, base_dir_); }},
            }},
            {"engine", {
                {"workers", [&](auto& v, auto& n) {
                    c.engine.workers = static_cast<unsigned>(read_integer(v, n, 0, 256)); }},
                {"pipe_size", [&](auto& v, auto& n) {
                    c.engine.pipe_size = static_cast<uint32_t>(
                        read_size(v, n, {4 * KiB, 64 * MiB, kPage})); }},
            }},
            {"web", {
                {"enabled", [&](auto& v, auto& n) { c.web.enabled = read_bool(v, n); }},
            }},
            {"control", {
                {"bus", [&](auto& v, auto& n) {
                    c.control.bus = read_choice<BusKind>(v, n, {
                        {"system", BusKind::System}, {"session", BusKind::Session}}); }},
                {"group", [&](auto& v, auto& n) { c.control.group = read_group(v, n); }},
            }},
        };
        // clang-format on

        for (auto&& [key, node] : root) {
            // A copy, not the binding: clang before 16 cannot capture structured bindings.
            std::string_view name = key.str();
            const auto* known = std::find_if(std::begin(tables), std::end(tables),
                                             [&](auto& t) { return t.first == name; });
            if (known == std::end(tables)) {
                if (node.is_table() && !node.as_table()->is_inline())
                    note(node.source().begin, "unknown table [" + std::string(key.str()) + "]");
                else if (node.is_array_of_tables())
                    note(node.source().begin, "unknown table [[" + std::string(key.str()) + "]]");
                else
                    note(key.source().begin,
                         "unknown key '" + std::string(key.str()) + "' outside any table");
            } else if (!node.is_table()) {
                note(node.source().begin, std::string(key.str()) + " must be a single [" +
                                              std::string(key.str()) + "] table");
            } else {
                read_table(*node.as_table(), known->first, known->second);
            }
        }

        if (!problems_.empty()) {
            // Problems without a position sort last: a located one is more useful to show.
            auto first = std::min_element(problems_.begin(), problems_.end(),
                                          [](const Problem& a, const Problem& b) {
                                              if (bool(a.where) != bool(b.where))
                                                  return bool(a.where);
                                              return a.where < b.where;
                                          });
            throw ConfigError(format_error(source_, first->where, first->reason));
        }
        return c;
    }

private:
    void note(toml::source_position where, std::string reason) {
        problems_.push_back({where, std::move(reason)});
    }

    void read_table(const toml::table& table, std::string_view name, const std::vector<Key>& keys) {
        for (auto&& [key, node] : table) {
            std::string_view key_name = key.str();
            auto known = std::find_if(keys.begin(), keys.end(),
                                      [&](const Key& k) { return k.name == key_name; });
            if (known != keys.end()) {
                try {
                    known->read(node, '[' + std::string(name) + "] " + std::string(key.str()));
                } catch (Problem& p) {
                    problems_.push_back(std::move(p));
                }
            } else if (node.is_table() && !node.as_table()->is_inline()) {
                note(node.source().begin,
                     "unknown table [" + std::string(name) + '.' + std::string(key.str()) + "]");
            } else {
                note(key.source().begin,
                     "unknown key '" + std::string(key.str()) + "' in [" + std::string(name) + "]");
            }
        }
    }

    std::string_view source_;
    std::filesystem::path base_dir_;
    std::vector<Problem> problems_;
};

struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string read_file(const std::filesystem::path& path) {
    auto cannot_read = [&](int error) {
        return ConfigError(
            one_line(path.string() + ": cannot read: " + std::system_category().message(error)));
    };
    // "e" (O_CLOEXEC): the daemon must not leak its config fd into children.
    std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rbe"));
    if (!file) throw cannot_read(errno);
    std::string text;
    char buffer[16 * 1024];
    for (;;) {
        size_t n = std::fread(buffer, 1, sizeof buffer, file.get());
        text.append(buffer, n);
        if (n < sizeof buffer) {
            if (std::ferror(file.get())) throw cannot_read(errno);
            break;
        }
    }
    return text;
}

} // namespace

Config parse_config(std::string_view text, std::string_view source,
                    const std::filesystem::path& base_dir) {
    toml::table root;
    try {
        root = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        throw ConfigError(format_error(source, e.source().begin, e.description()));
    }
    return Loader(source, base_dir).load(root);
}

Config load_config(const std::filesystem::path& path) {
    std::string text = read_file(path);
    std::error_code ec;
    // Resolve relative paths now: the folder must not change meaning if the cwd does.
    std::filesystem::path absolute = std::filesystem::absolute(path, ec);
    std::filesystem::path base = ec ? path.parent_path() : absolute.parent_path();
    return parse_config(text, path.string(), base);
}

const char* to_string(OnConflict c) {
    switch (c) {
    case OnConflict::Rename:
        return "rename";
    case OnConflict::Overwrite:
        return "overwrite";
    case OnConflict::Fail:
        return "fail";
    }
    return "unknown";
}

uint64_t parse_duration(std::string_view text) {
    if (text.empty()) throw std::invalid_argument("empty duration");
    auto bad = [&] {
        return std::invalid_argument("'" + std::string(text) +
                                     "' is not a duration such as \"90s\", \"15m\", \"1h\" "
                                     "or \"2d\"");
    };
    uint64_t total = 0;
    size_t i = 0;
    while (i < text.size()) {
        uint64_t n = 0;
        size_t digits = 0;
        for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
             ++i, ++digits) {
            if (n > UINT64_MAX / 10) throw bad();
            n = n * 10 + static_cast<uint64_t>(text[i] - '0');
        }
        if (digits == 0) throw bad();
        uint64_t unit = 1;
        if (i < text.size()) {
            switch (text[i++]) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            default:
                throw bad();
            }
        } else if (total != 0) {
            throw bad(); // "1h30" is ambiguous
        }
        if (n > (UINT64_MAX - total) / unit) throw bad();
        total += n * unit;
    }
    return total;
}

} // namespace streamd

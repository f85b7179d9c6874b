#include "config/config.hpp"

#include "config/config_values.hpp"
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

using namespace config_values;

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
                {"sync", [&](auto& v, auto& n) {
                    c.storage.sync = read_choice<SyncMode>(v, n, {
                        {"data", SyncMode::Data},
                        {"none", SyncMode::None}}); }},
            }},
            {"transfer", {
                {"streams", [&](auto& v, auto& n) {
                    c.transfer.streams = static_cast<unsigned>(read_integer(v, n, 1, 64)); }},
                {"chunk_size", [&](auto& v, auto& n) {
                    c.transfer.chunk_size = static_cast<uint32_t>(
                        read_size(v, n, {proto::kMinChunk, proto::kMaxChunk, proto::kChunkAlignment})); }},
                {"max_active", [&](auto& v, auto& n) {
                    c.transfer.max_active = static_cast<unsigned>(read_integer(v, n, 1, 1024)); }},
                {"max_rate", [&](auto& v, auto& n) { c.transfer.max_rate = read_rate(v, n); }},
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
                {"max_connections", [&](auto& v, auto& n) {
                    c.limits.max_connections =
                        static_cast<unsigned>(read_integer(v, n, 0, 1'000'000)); }},
                {"max_connections_per_address", [&](auto& v, auto& n) {
                    c.limits.max_connections_per_address =
                        static_cast<unsigned>(read_integer(v, n, 0, 65536)); }},
            }},
            {"auth", {
                {"secret_file", [&](auto& v, auto& n) {
                    c.auth.secret_file = read_file_path(v, n, base_dir_); }},
            }},
            {"tls", {
                {"mode", [&](auto& v, auto& n) {
                    c.tls.mode = read_choice<TlsMode>(v, n, {
                        {"auto", TlsMode::Auto},
                        {"required", TlsMode::Required},
                        {"off", TlsMode::Off}}); }},
                {"certificate", [&](auto& v, auto& n) {
                    c.tls.certificate = read_file_path(v, n, base_dir_); }},
                {"private_key", [&](auto& v, auto& n) {
                    c.tls.private_key = read_file_path(v, n, base_dir_); }},
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

const char* to_string(SyncMode m) {
    return m == SyncMode::Data ? "data" : "none";
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

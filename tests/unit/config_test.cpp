#include "config/config.hpp"
#include "temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <toml++/toml.h>
#include <unistd.h>

namespace streamd {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSource = "test.toml";
const fs::path kBase = "/etc/streamd";

Config parse(std::string_view text) {
    return parse_config(text, kSource, kBase);
}

// The message of the ConfigError that `text` must raise.
std::string error_of(std::string_view text) {
    try {
        parse(text);
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError for:\n" << text;
    return {};
}

void expect_same(const Config& a, const Config& b) {
    EXPECT_EQ(a.listen.address, b.listen.address);
    EXPECT_EQ(a.listen.port, b.listen.port);
    EXPECT_EQ(a.storage.incoming, b.storage.incoming);
    EXPECT_EQ(a.storage.max_file_size, b.storage.max_file_size);
    EXPECT_EQ(a.storage.on_conflict, b.storage.on_conflict);
    EXPECT_EQ(a.storage.reserve, b.storage.reserve);
    EXPECT_EQ(a.storage.partial_ttl, b.storage.partial_ttl);
    EXPECT_EQ(a.storage.sync, b.storage.sync);
    EXPECT_EQ(a.storage.state, b.storage.state);
    EXPECT_EQ(a.limits.handshake_timeout, b.limits.handshake_timeout);
    EXPECT_EQ(a.limits.idle_timeout, b.limits.idle_timeout);
    EXPECT_EQ(a.limits.max_incoming, b.limits.max_incoming);
    EXPECT_EQ(a.limits.max_connections, b.limits.max_connections);
    EXPECT_EQ(a.limits.max_connections_per_address, b.limits.max_connections_per_address);
    EXPECT_EQ(a.transfer.streams, b.transfer.streams);
    EXPECT_EQ(a.transfer.chunk_size, b.transfer.chunk_size);
    EXPECT_EQ(a.transfer.max_active, b.transfer.max_active);
    EXPECT_EQ(a.transfer.verify, b.transfer.verify);
    EXPECT_EQ(a.transfer.keep_finished, b.transfer.keep_finished);
    EXPECT_EQ(a.transfer.reconnect_attempts, b.transfer.reconnect_attempts);
    EXPECT_EQ(a.transfer.reconnect_delay, b.transfer.reconnect_delay);
    EXPECT_EQ(a.engine.workers, b.engine.workers);
    EXPECT_EQ(a.engine.pipe_size, b.engine.pipe_size);
    EXPECT_EQ(a.web.enabled, b.web.enabled);
    EXPECT_EQ(a.tls.mode, b.tls.mode);
    EXPECT_EQ(a.tls.certificate, b.tls.certificate);
    EXPECT_EQ(a.tls.private_key, b.tls.private_key);
    EXPECT_EQ(a.control.bus, b.control.bus);
    EXPECT_EQ(a.control.group, b.control.group);
    EXPECT_EQ(a.auth.secret_file, b.auth.secret_file);
}

// A private folder removed with everything in it when the test ends.
fs::path write_text(const fs::path& file, std::string_view text) {
    std::ofstream(file) << text;
    return file;
}

std::optional<fs::path> shipped_config() {
    const char* root = std::getenv("STREAMD_SOURCE_ROOT");
    if (!root || !*root) return std::nullopt;
    return fs::path(root) / "config" / "streamd.toml";
}

TEST(ConfigDefaults, EmptyTextGivesDefaults) {
    expect_same(parse(""), Config{});
}

TEST(ConfigDefaults, CommentsAndEmptyTablesGiveDefaults) {
    expect_same(parse("# nothing set\n[listen]\n[storage]\n[transfer]\n[engine]\n[control]\n"),
                Config{});
}

TEST(ConfigShipped, LoadsToExactlyTheDefaults) {
    auto path = shipped_config();
    if (!path) GTEST_SKIP() << "STREAMD_SOURCE_ROOT is not set";
    expect_same(load_config(*path), Config{});
}

// Operators learn the keys from this file, so it must show every one of them: set to its
// default, or commented out where the default is to have no value at all.
TEST(ConfigShipped, SetsEveryKey) {
    auto path = shipped_config();
    if (!path) GTEST_SKIP() << "STREAMD_SOURCE_ROOT is not set";
    toml::table root = toml::parse_file(path->string());
    const std::map<std::string, std::set<std::string>> expected = {
        {"listen", {"address", "port"}},
        {"storage",
         {"incoming", "max_file_size", "on_conflict", "reserve", "partial_ttl", "state", "sync"}},
        {"limits",
         {"handshake_timeout", "idle_timeout", "max_incoming", "max_connections",
          "max_connections_per_address"}},
        {"transfer",
         {"streams", "chunk_size", "max_active", "max_rate", "verify", "keep_finished",
          "reconnect_attempts", "reconnect_delay"}},
        {"engine", {"workers", "pipe_size"}},
        {"web", {"enabled"}},
        {"tls", {"mode"}},
        {"control", {"bus", "group"}},
    };
    std::map<std::string, std::set<std::string>> found;
    for (auto&& [table, node] : root) {
        ASSERT_TRUE(node.is_table()) << table;
        for (auto&& [key, value] : *node.as_table())
            found[std::string(table.str())].insert(std::string(key.str()));
    }
    EXPECT_EQ(found, expected);
}

TEST(ConfigShipped, ShowsTheKeysThatHaveNoDefaultCommentedOut) {
    auto path = shipped_config();
    if (!path) GTEST_SKIP() << "STREAMD_SOURCE_ROOT is not set";
    std::ifstream in(*path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto table = text.find("\n[auth]\n");
    ASSERT_NE(table, std::string::npos) << "no [auth] table";
    EXPECT_NE(text.find("\n# secret_file = \"", table), std::string::npos)
        << "no commented-out secret_file in [auth]";
    table = text.find("\n[tls]\n");
    ASSERT_NE(table, std::string::npos) << "no [tls] table";
    for (const char* key : {"certificate", "private_key"})
        EXPECT_NE(text.find(std::string("\n# ") + key + " = \"", table), std::string::npos)
            << "no commented-out " << key << " in [tls]";
}

TEST(ConfigValues, EveryKeyIsRead) {
    Config c = parse(R"(
[listen]
address = "192.0.2.7"
port = 9000

[storage]
incoming = "/srv/streamd/in"
max_file_size = "10G"
on_conflict = "overwrite"
reserve = "1G"
partial_ttl = "3d"
state = "/srv/streamd/state"

[limits]
handshake_timeout = "5s"
idle_timeout = "2m"
max_incoming = 3
max_connections = 77
max_connections_per_address = 9

[transfer]
streams = 16
chunk_size = "8M"
max_active = 32
verify = false
keep_finished = "2h30m"
reconnect_attempts = 0
reconnect_delay = "5s"

[engine]
workers = 3
pipe_size = "256K"

[web]
enabled = false

[control]
bus = "session"
group = "transfer-admins"

[auth]
secret_file = "/etc/streamd/peer.key"

[tls]
mode = "required"
certificate = "/etc/streamd/site.pem"
private_key = "/etc/streamd/site.key"
)");
    EXPECT_EQ(c.listen.address, "192.0.2.7");
    EXPECT_EQ(c.listen.port, 9000);
    EXPECT_EQ(c.storage.incoming, fs::path("/srv/streamd/in"));
    EXPECT_EQ(c.storage.max_file_size, 10ULL << 30);
    EXPECT_EQ(c.storage.on_conflict, OnConflict::Overwrite);
    EXPECT_EQ(c.storage.reserve, 1ULL << 30);
    EXPECT_EQ(c.limits.handshake_timeout, 5u);
    EXPECT_EQ(c.limits.idle_timeout, 120u);
    EXPECT_EQ(c.limits.max_incoming, 3u);
    EXPECT_EQ(c.limits.max_connections, 77u);
    EXPECT_EQ(c.limits.max_connections_per_address, 9u);
    EXPECT_EQ(c.transfer.streams, 16u);
    EXPECT_EQ(c.transfer.chunk_size, 8u << 20);
    EXPECT_EQ(c.transfer.max_active, 32u);
    EXPECT_FALSE(c.transfer.verify);
    EXPECT_EQ(c.transfer.keep_finished, 9000u);
    EXPECT_EQ(c.transfer.reconnect_attempts, 0u);
    EXPECT_EQ(c.transfer.reconnect_delay, 5u);
    EXPECT_EQ(c.storage.partial_ttl, 3u * 24 * 3600);
    EXPECT_EQ(c.storage.state, fs::path("/srv/streamd/state"));
    EXPECT_EQ(c.engine.workers, 3u);
    EXPECT_EQ(c.engine.pipe_size, 256u << 10);
    EXPECT_FALSE(c.web.enabled);
    EXPECT_EQ(c.control.bus, BusKind::Session);
    EXPECT_EQ(c.control.group, "transfer-admins");
    EXPECT_EQ(c.auth.secret_file, fs::path("/etc/streamd/peer.key"));
    EXPECT_EQ(c.tls.mode, TlsMode::Required);
    EXPECT_EQ(c.tls.certificate, fs::path("/etc/streamd/site.pem"));
    EXPECT_EQ(c.tls.private_key, fs::path("/etc/streamd/site.key"));
}

TEST(ConfigWeb, EnabledByDefaultAndSwitchable) {
    EXPECT_TRUE(parse("").web.enabled);
    EXPECT_TRUE(parse("[web]\n").web.enabled);
    EXPECT_TRUE(parse("[web]\nenabled = true\n").web.enabled);
    EXPECT_FALSE(parse("[web]\nenabled = false\n").web.enabled);
    EXPECT_EQ(error_of("[web]\nport = 80\n"), "test.toml:2:1: unknown key 'port' in [web]");
}

TEST(ConfigAuth, NoSecretFileByDefault) {
    EXPECT_FALSE(parse("").auth.secret_file.has_value());
    EXPECT_FALSE(parse("[auth]\n").auth.secret_file.has_value());
}

TEST(ConfigAuth, AbsoluteSecretFileIsKeptAsWritten) {
    EXPECT_EQ(parse("[auth]\nsecret_file = \"/etc/streamd/peer.key\"").auth.secret_file,
              fs::path("/etc/streamd/peer.key"));
}

TEST(ConfigAuth, RelativeSecretFileIsResolvedAgainstBaseDir) {
    EXPECT_EQ(parse("[auth]\nsecret_file = \"peer.key\"").auth.secret_file,
              fs::path("/etc/streamd/peer.key"));
    EXPECT_EQ(parse("[auth]\nsecret_file = \"./keys/../peer.key\"").auth.secret_file,
              fs::path("/etc/streamd/peer.key"));
    EXPECT_EQ(parse("[auth]\nsecret_file = \"../peer.key\"").auth.secret_file,
              fs::path("/etc/peer.key"));
}

TEST(ConfigAuth, LoadConfigResolvesSecretFileAgainstTheFilesFolder) {
    fixtures::TempDir dir{"streamd-config"};
    fs::path file = write_text(dir / "streamd.toml", "[auth]\nsecret_file = \"peer.key\"\n");
    EXPECT_EQ(load_config(file).auth.secret_file, dir.path() / "peer.key");
}

TEST(ConfigAuth, BadSecretFilesAreRefused) {
    EXPECT_EQ(error_of("[auth]\nsecret_file = \"\"\n"),
              "test.toml:2:15: [auth] secret_file must not be empty");
    EXPECT_EQ(error_of("[auth]\nsecret_file = 1\n"),
              "test.toml:2:15: [auth] secret_file must be a string");
    EXPECT_EQ(error_of("[auth]\nsecret_file = \"keys/\"\n"),
              "test.toml:2:15: [auth] secret_file must name a file, not a folder, got \"keys/\"");
    EXPECT_EQ(error_of("[auth]\nsecret_file = \"a\\u0000b\"\n"),
              "test.toml:2:15: [auth] secret_file must not contain a NUL character");
    EXPECT_EQ(error_of("[auth]\nsecret = \"peer.key\"\n"),
              "test.toml:2:1: unknown key 'secret' in [auth]");
}

TEST(ConfigValues, KeysMayBeDottedOrInline) {
    Config c = parse("listen.port = 1\ntransfer = { streams = 2 }\n");
    EXPECT_EQ(c.listen.port, 1);
    EXPECT_EQ(c.transfer.streams, 2u);
}

TEST(ConfigValues, EveryOnConflictChoice) {
    EXPECT_EQ(parse("[storage]\non_conflict = \"rename\"").storage.on_conflict, OnConflict::Rename);
    EXPECT_EQ(parse("[storage]\non_conflict = \"overwrite\"").storage.on_conflict,
              OnConflict::Overwrite);
    EXPECT_EQ(parse("[storage]\non_conflict = \"fail\"").storage.on_conflict, OnConflict::Fail);
    EXPECT_EQ(parse("[storage]\nsync = \"none\"").storage.sync, SyncMode::None);
    EXPECT_EQ(parse("[storage]\nsync = \"data\"").storage.sync, SyncMode::Data);
    EXPECT_EQ(parse("[control]\nbus = \"system\"").control.bus, BusKind::System);
}

TEST(ConfigValues, RangeEndsAreAccepted) {
    Config low = parse("[listen]\nport = 0\n[transfer]\nstreams = 1\nmax_active = 1\n"
                       "[engine]\nworkers = 0\n");
    EXPECT_EQ(low.listen.port, 0);
    EXPECT_EQ(low.transfer.streams, 1u);
    EXPECT_EQ(low.transfer.max_active, 1u);
    EXPECT_EQ(low.engine.workers, 0u);
    Config high = parse("[listen]\nport = 65535\n[transfer]\nstreams = 64\nmax_active = 1024\n"
                        "[engine]\nworkers = 256\n");
    EXPECT_EQ(high.listen.port, 65535);
    EXPECT_EQ(high.transfer.streams, 64u);
    EXPECT_EQ(high.transfer.max_active, 1024u);
    EXPECT_EQ(high.engine.workers, 256u);
}

TEST(ConfigAddress, LiteralsAreKeptAsWritten) {
    for (const char* address : {"0.0.0.0", "127.0.0.1", "::", "::1", "2001:db8::42"})
        EXPECT_EQ(parse(std::string("[listen]\naddress = \"") + address + "\"").listen.address,
                  address);
}

TEST(ConfigAddress, LocalhostMeansIpv4Loopback) {
    EXPECT_EQ(parse("[listen]\naddress = \"localhost\"").listen.address, "127.0.0.1");
}

TEST(ConfigSizes, IntegersAndSizeStringsAreAccepted) {
    EXPECT_EQ(parse("[transfer]\nchunk_size = 1048576").transfer.chunk_size, 1u << 20);
    EXPECT_EQ(parse("[transfer]\nchunk_size = \"1M\"").transfer.chunk_size, 1u << 20);
    EXPECT_EQ(parse("[transfer]\nchunk_size = \"1MiB\"").transfer.chunk_size, 1u << 20);
    EXPECT_EQ(parse("[transfer]\nchunk_size = \"64K\"").transfer.chunk_size, 64u << 10);
    EXPECT_EQ(parse("[transfer]\nchunk_size = \"256M\"").transfer.chunk_size, 256u << 20);
    EXPECT_EQ(parse("[engine]\npipe_size = 4096").engine.pipe_size, 4096u);
    EXPECT_EQ(parse("[engine]\npipe_size = \"64M\"").engine.pipe_size, 64u << 20);
    EXPECT_EQ(parse("[engine]\npipe_size = 12288").engine.pipe_size, 12288u);
    EXPECT_EQ(parse("[storage]\nmax_file_size = 12345").storage.max_file_size, 12345u);
    EXPECT_EQ(parse("[storage]\nmax_file_size = \"2T\"").storage.max_file_size, 2ULL << 40);
    EXPECT_EQ(parse("[storage]\nmax_file_size = 0").storage.max_file_size, 0u);
}

TEST(ConfigPaths, RelativeIncomingIsResolvedAgainstBaseDir) {
    EXPECT_EQ(parse("[storage]\nincoming = \"in\"").storage.incoming, fs::path("/etc/streamd/in"));
    EXPECT_EQ(parse("[storage]\nincoming = \"./a/../b/\"").storage.incoming,
              fs::path("/etc/streamd/b"));
    EXPECT_EQ(parse("[storage]\nincoming = \"../data\"").storage.incoming, fs::path("/etc/data"));
    EXPECT_EQ(parse("[storage]\nincoming = \"/srv/in/\"").storage.incoming, fs::path("/srv/in"));
}

TEST(ConfigPaths, LoadConfigResolvesAgainstTheFilesFolder) {
    fixtures::TempDir dir{"streamd-config"};
    fs::create_directory(dir.path() / "etc");
    fs::path file = write_text(dir / "etc/streamd.toml", "[storage]\nincoming = \"received\"\n");
    EXPECT_EQ(load_config(file).storage.incoming, dir.path() / "etc" / "received");
}

TEST(ConfigErrors, SyntaxErrorUsesTheParsersReason) {
    EXPECT_EQ(error_of("[listen]\nport = \n"),
              "test.toml:2:8: Error while parsing key-value pair: expected value, saw '\\n'");
    EXPECT_EQ(error_of("[listen]\nport = 1\nport = 2\n"),
              "test.toml:3:8: Error while parsing key-value pair: cannot redefine existing "
              "integer 'port'");
}

TEST(ConfigErrors, UnknownTable) {
    EXPECT_EQ(error_of("[listen]\nport = 1\n\n[foo]\nx = 1\n"),
              "test.toml:4:1: unknown table [foo]");
    EXPECT_EQ(error_of("[listen.extra]\n"), "test.toml:1:1: unknown table [listen.extra]");
    EXPECT_EQ(error_of("[[foo]]\n"), "test.toml:1:1: unknown table [[foo]]");
}

TEST(ConfigErrors, UnknownKey) {
    EXPECT_EQ(error_of("[listen]\nport = 1\nbar = 2\n"),
              "test.toml:3:1: unknown key 'bar' in [listen]");
    EXPECT_EQ(error_of("[transfer]\n  stream = 2\n"),
              "test.toml:2:3: unknown key 'stream' in [transfer]");
}

TEST(ConfigErrors, KeyOutsideAnyTableIsUnknown) {
    EXPECT_EQ(error_of("foo = 1\n"), "test.toml:1:1: unknown key 'foo' outside any table");
    EXPECT_EQ(error_of("port = 7740\n[listen]\n"),
              "test.toml:1:1: unknown key 'port' outside any table");
}

TEST(ConfigErrors, KnownTableNameWithAnotherType) {
    EXPECT_EQ(error_of("listen = 1\n"), "test.toml:1:10: listen must be a single [listen] table");
    EXPECT_EQ(error_of("[[listen]]\n"), "test.toml:1:1: listen must be a single [listen] table");
}

TEST(ConfigErrors, WrongType) {
    EXPECT_EQ(error_of("[listen]\nport = \"7740\"\n"),
              "test.toml:2:8: [listen] port must be an integer");
    EXPECT_EQ(error_of("[listen]\nport = 7740.0\n"),
              "test.toml:2:8: [listen] port must be an integer");
    EXPECT_EQ(error_of("[listen]\naddress = 1\n"),
              "test.toml:2:11: [listen] address must be a string");
    EXPECT_EQ(error_of("[transfer]\nverify = \"yes\"\n"),
              "test.toml:2:10: [transfer] verify must be true or false");
    EXPECT_EQ(error_of("[control]\nbus = true\n"), "test.toml:2:7: [control] bus must be a string");
    EXPECT_EQ(error_of("[web]\nenabled = 1\n"),
              "test.toml:2:11: [web] enabled must be true or false");
    EXPECT_EQ(error_of("[transfer]\nchunk_size = 1.5\n"),
              "test.toml:2:14: [transfer] chunk_size must be an integer or a size string such "
              "as \"4M\"");
    EXPECT_EQ(error_of("[storage]\nincoming = [\"a\"]\n"),
              "test.toml:2:12: [storage] incoming must be a string");
}

TEST(ConfigErrors, OutOfRange) {
    EXPECT_EQ(error_of("[transfer]\nstreams = 0\n"),
              "test.toml:2:11: [transfer] streams must be between 1 and 64, got 0");
    EXPECT_EQ(error_of("[transfer]\nstreams = 65\n"),
              "test.toml:2:11: [transfer] streams must be between 1 and 64, got 65");
    EXPECT_EQ(error_of("[transfer]\nmax_active = 1025\n"),
              "test.toml:2:14: [transfer] max_active must be between 1 and 1024, got 1025");
    EXPECT_EQ(error_of("[listen]\nport = 65536\n"),
              "test.toml:2:8: [listen] port must be between 0 and 65535, got 65536");
    EXPECT_EQ(error_of("[listen]\nport = -1\n"),
              "test.toml:2:8: [listen] port must be between 0 and 65535, got -1");
    EXPECT_EQ(error_of("[engine]\nworkers = 257\n"),
              "test.toml:2:11: [engine] workers must be between 0 and 256, got 257");
}

TEST(Config, MaxRateIsASizePerSecondOrZero) {
    EXPECT_EQ(parse("[transfer]\nmax_rate = \"10M\"\n").transfer.max_rate, 10U << 20);
    EXPECT_EQ(parse("[transfer]\nmax_rate = 65536\n").transfer.max_rate, 65536U);
    EXPECT_EQ(parse("[transfer]\nmax_rate = 0\n").transfer.max_rate, 0U);
    EXPECT_EQ(parse("").transfer.max_rate, 0U);
    EXPECT_EQ(error_of("[transfer]\nmax_rate = \"1K\"\n"),
              "test.toml:2:12: [transfer] max_rate must be 0 (no limit) or at least 64 KiB per "
              "second, got 1 KiB");
    EXPECT_EQ(error_of("[transfer]\nmax_rate = -1\n"),
              "test.toml:2:12: [transfer] max_rate must not be negative, got -1");
}

TEST(ConfigErrors, SizeOutOfRangeOrNotWholePages) {
    EXPECT_EQ(error_of("[transfer]\nchunk_size = \"32K\"\n"),
              "test.toml:2:14: [transfer] chunk_size must be between 64 KiB and 256 MiB, got "
              "32 KiB");
    EXPECT_EQ(error_of("[transfer]\nchunk_size = 65535\n"),
              "test.toml:2:14: [transfer] chunk_size must be between 64 KiB and 256 MiB, got "
              "65535 bytes");
    EXPECT_EQ(error_of("[transfer]\nchunk_size = \"1G\"\n"),
              "test.toml:2:14: [transfer] chunk_size must be between 64 KiB and 256 MiB, got "
              "1 GiB");
    EXPECT_EQ(error_of("[transfer]\nchunk_size = 66000\n"),
              "test.toml:2:14: [transfer] chunk_size must be a multiple of 4 KiB, got 66000 "
              "bytes");
    EXPECT_EQ(error_of("[engine]\npipe_size = 1000\n"),
              "test.toml:2:13: [engine] pipe_size must be between 4 KiB and 64 MiB, got 1000 "
              "bytes");
    EXPECT_EQ(error_of("[engine]\npipe_size = \"128M\"\n"),
              "test.toml:2:13: [engine] pipe_size must be between 4 KiB and 64 MiB, got 128 MiB");
    EXPECT_EQ(error_of("[engine]\npipe_size = 10000\n"),
              "test.toml:2:13: [engine] pipe_size must be a multiple of 4 KiB, got 10000 bytes");
    EXPECT_EQ(error_of("[storage]\nmax_file_size = -1\n"),
              "test.toml:2:17: [storage] max_file_size must not be negative, got -1");
}

TEST(ConfigErrors, BadSizeStringUsesParseSizeReason) {
    EXPECT_EQ(error_of("[transfer]\nchunk_size = \"4Q\"\n"),
              "test.toml:2:14: [transfer] chunk_size: invalid size '4Q': unknown unit");
    EXPECT_EQ(error_of("[storage]\nmax_file_size = \"lots\"\n"),
              "test.toml:2:17: [storage] max_file_size: invalid size 'lots': expected a number "
              "of bytes, optionally with K, M, G or T");
}

TEST(ConfigErrors, BadChoice) {
    EXPECT_EQ(error_of("[storage]\nsync = \"full\"\n"),
              "test.toml:2:8: [storage] sync must be one of data, none, got \"full\"");
    EXPECT_EQ(error_of("[storage]\non_conflict = \"x\"\n"),
              "test.toml:2:15: [storage] on_conflict must be one of rename, overwrite, fail, got "
              "\"x\"");
    EXPECT_EQ(error_of("[control]\nbus = \"user\"\n"),
              "test.toml:2:7: [control] bus must be one of system, session, got \"user\"");
    // Choices are exact words: a different case is a different word.
    EXPECT_EQ(error_of("[control]\nbus = \"System\"\n"),
              "test.toml:2:7: [control] bus must be one of system, session, got \"System\"");
}

TEST(ConfigErrors, BadAddress) {
    EXPECT_EQ(error_of("[listen]\naddress = \"example.org\"\n"),
              "test.toml:2:11: [listen] address must be an IPv4 or IPv6 address or "
              "\"localhost\", got \"example.org\"");
    EXPECT_EQ(error_of("[listen]\naddress = \"[::1]\"\n"),
              "test.toml:2:11: [listen] address must be an IPv4 or IPv6 address or "
              "\"localhost\", got \"[::1]\"");
    EXPECT_EQ(error_of("[listen]\naddress = \"\"\n"),
              "test.toml:2:11: [listen] address must be an IPv4 or IPv6 address or "
              "\"localhost\", got \"\"");
    // A NUL would cut the string short for inet_pton and let a trailing part through.
    EXPECT_EQ(error_of("[listen]\naddress = \"127.0.0.1\\u0000x\"\n"),
              "test.toml:2:11: [listen] address must be an IPv4 or IPv6 address or "
              "\"localhost\", got \"127.0.0.1\\x00x\"");
}

TEST(ConfigErrors, EmptyIncoming) {
    EXPECT_EQ(error_of("[storage]\nincoming = \"\"\n"),
              "test.toml:2:12: [storage] incoming must not be empty");
}

TEST(ConfigErrors, EarliestProblemInTheFileIsReported) {
    // Tables are stored by name, so [transfer] would come after [control] if the loader
    // simply reported the first problem it met.
    EXPECT_EQ(error_of("[transfer]\nstreams = 0\n[control]\nbus = \"x\"\n"),
              "test.toml:2:11: [transfer] streams must be between 1 and 64, got 0");
}

TEST(ConfigErrors, MessageIsOneLine) {
    std::string message = error_of("[listen]\n\"a\\nb\" = 1\n");
    EXPECT_EQ(message, "test.toml:2:1: unknown key 'a\\nb' in [listen]");
    EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(ConfigErrors, LongValuesAreShortenedInMessages) {
    std::string message = error_of("[control]\nbus = \"" + std::string(200, 'y') + "\"\n");
    EXPECT_EQ(message, "test.toml:2:7: [control] bus must be one of system, session, got \"" +
                           std::string(57, 'y') + "...\"");
}

TEST(ConfigLoad, ErrorsNameTheFile) {
    fixtures::TempDir dir{"streamd-config"};
    fs::path file = write_text(dir / "streamd.toml", "[listen]\nport = 99999\n");
    try {
        load_config(file);
        ADD_FAILURE() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  file.string() + ":2:8: [listen] port must be between 0 and 65535, got 99999");
    }
}

TEST(ConfigLoad, MissingFile) {
    fixtures::TempDir dir{"streamd-config"};
    fs::path file = dir.path() / "absent.toml";
    try {
        load_config(file);
        ADD_FAILURE() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()),
                  file.string() + ": cannot read: No such file or directory");
    }
}

TEST(ConfigLoad, DirectoryIsNotAFile) {
    fixtures::TempDir dir{"streamd-config"};
    try {
        load_config(dir.path());
        ADD_FAILURE() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), dir.path().string() + ": cannot read: Is a directory");
    }
}

TEST(ConfigLoad, UnreadableFile) {
    if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
    fixtures::TempDir dir{"streamd-config"};
    fs::path file = write_text(dir / "streamd.toml", "");
    fs::permissions(file, fs::perms::none);
    try {
        load_config(file);
        ADD_FAILURE() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), file.string() + ": cannot read: Permission denied");
    }
}

TEST(ConfigDurations, SecondsAndUnits) {
    EXPECT_EQ(parse("[transfer]\nkeep_finished = 0").transfer.keep_finished, 0u);
    EXPECT_EQ(parse("[transfer]\nkeep_finished = 90").transfer.keep_finished, 90u);
    EXPECT_EQ(parse_duration("90s"), 90u);
    EXPECT_EQ(parse_duration("15m"), 900u);
    EXPECT_EQ(parse_duration("1h"), 3600u);
    EXPECT_EQ(parse_duration("2d"), 172800u);
    EXPECT_EQ(parse_duration("1h30m"), 5400u);
    EXPECT_EQ(parse_duration("45"), 45u);
}

TEST(ConfigDurations, BadOnesAreRefused) {
    for (const char* bad : {"", "h", "1x", "1h30", "-5s", "1.5h", " 1h", "99999999999999999999"})
        EXPECT_THROW(parse_duration(bad), std::invalid_argument) << bad;
    EXPECT_EQ(error_of("[transfer]\nkeep_finished = -1"),
              "test.toml:2:17: [transfer] keep_finished must not be negative, got -1");
    EXPECT_EQ(error_of("[transfer]\nkeep_finished = true"),
              "test.toml:2:17: [transfer] keep_finished must be seconds or a duration string "
              "such as \"1h\" or \"15m\"");
    EXPECT_NE(error_of("[transfer]\nkeep_finished = \"soon\"").find("'soon' is not a duration"),
              std::string::npos);
}

TEST(ConfigGroup, NamesAreChecked) {
    EXPECT_EQ(parse("[control]\ngroup = \"wheel\"").control.group, "wheel");
    for (const char* bad : {"\"\"", "\"-x\"", "\"a b\"", "\"a/b\"", "7"})
        EXPECT_FALSE(error_of(std::string("[control]\ngroup = ") + bad).empty()) << bad;
}

TEST(ConfigToString, OnConflictNames) {
    EXPECT_STREQ(to_string(OnConflict::Rename), "rename");
    EXPECT_STREQ(to_string(OnConflict::Overwrite), "overwrite");
    EXPECT_STREQ(to_string(OnConflict::Fail), "fail");
}

} // namespace
} // namespace streamd

// streamd's configuration: the TOML file documented in config/streamd.toml.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace streamd {

enum class OnConflict { Rename, Overwrite, Fail };
// What a received file, its journal and the state folder wait for (docs/DURABILITY.md).
enum class SyncMode { Data, None };
enum class BusKind { System, Session };
// When connections are encrypted (docs/SECURITY.md).
enum class TlsMode { Auto, Required, Off };

inline constexpr uint16_t kDefaultPort = 7740;

struct Config {
    struct Listen {
        std::string address = "::";
        uint16_t port = kDefaultPort; // 0 lets the kernel choose (tests)
    } listen;
    struct Storage {
        std::filesystem::path incoming = "/var/lib/streamd/incoming";
        uint64_t max_file_size = 0; // 0 = no limit
        OnConflict on_conflict = OnConflict::Rename;
        uint64_t reserve = 256 * 1024 * 1024; // free space an accepted file must leave
        // Where outgoing transfers are remembered across restarts.
        std::filesystem::path state = "/var/lib/streamd/state";
        uint64_t partial_ttl = 24 * 3600; // seconds a partial file may sit untouched; 0 = ever
        SyncMode sync = SyncMode::Data;
    } storage;
    struct Transfer {
        unsigned streams = 8;
        uint32_t chunk_size = 4 * 1024 * 1024;
        unsigned max_active = 4;
        uint64_t max_rate = 0; // bytes per second, all outgoing transfers together; 0: none
        bool verify = true;
        uint64_t keep_finished = 3600; // seconds a finished transfer stays listed
        // After a lost connection: how often to try again before failing, and the first
        // pause (doubled for each further attempt, up to kMaxReconnectDelay).
        unsigned reconnect_attempts = 10;
        uint64_t reconnect_delay = 1;
    } transfer;
    // What a peer may hold of this daemon; 0 turns a limit off.
    struct Limits {
        uint64_t handshake_timeout = 10; // seconds from accepting a connection to its OFFER or JOIN
        uint64_t idle_timeout = 60;      // seconds a running transfer may make no progress
        unsigned max_incoming = 16;      // incoming transfers at once
        unsigned max_connections = 512;  // in all; shed oldest in handshake first
        unsigned max_connections_per_address = 128; // an IPv6 /64 counts as one address
    } limits;
    struct Auth {
        // The key peers must prove they know; unset: no key, loopback peers only.
        std::optional<std::filesystem::path> secret_file;
    } auth;
    struct Tls {
        // auto: peers with the key always, plain only from loopback without a key and
        // from browsers that ask for it; required: nothing plain; off: nothing encrypted.
        TlsMode mode = TlsMode::Auto;
        // PEM files for browsers; unset: a self-signed certificate in the state folder.
        std::optional<std::filesystem::path> certificate;
        std::optional<std::filesystem::path> private_key;
    } tls;
    struct Engine {
        unsigned workers = 0; // 0 = one per core
        uint32_t pipe_size = 1024 * 1024;
    } engine;
    struct Web {
        // The same port answers browsers (HTTP) as well as peers; false answers them
        // 501 Not Implemented.
        bool enabled = true;
    } web;
    struct Control {
        BusKind bus = BusKind::System;
        // Besides root and the daemon's own user, members of this group may send,
        // cancel and reload.
        std::string group = "streamd";
    } control;
};

// "FILE:LINE:COLUMN: reason" (or "FILE: reason"), ready to print as it is.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr uint64_t kMaxReconnectDelay = 60; // seconds

inline constexpr const char* kDefaultConfigPath = "/etc/streamd/streamd.toml";

// Parses TOML text; `source` names it in errors. Relative paths are resolved against
// `base_dir`. Unknown tables or keys, wrong types and out-of-range values throw.
Config parse_config(std::string_view text, std::string_view source,
                    const std::filesystem::path& base_dir);
// Reads and parses a file; relative paths in it are resolved against its folder.
Config load_config(const std::filesystem::path& path);

const char* to_string(OnConflict c);
const char* to_string(SyncMode m);

// "90", "90s", "15m", "1h", "2d" (or a combination such as "1h30m") in seconds; throws
// std::invalid_argument with a one-line reason.
uint64_t parse_duration(std::string_view text);

} // namespace streamd

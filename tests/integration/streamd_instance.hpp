#pragma once

#include "dbus_bus.hpp"
#include "ext4_image.hpp"
#include "notify_socket.hpp"
#include "process.hpp"
#include "temp_dir.hpp"
#include "tmpfs_mount.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace streamd::it {

struct StreamdOptions {
    // A TOML value exactly as it goes into the file, so a test can write 0 as well as "1K".
    std::string max_file_size = "0";
    std::string on_conflict = "rename";
    unsigned workers = 2;
    bool verify = true;
    // [transfer] max_active: outgoing transfers that run at once; the rest wait in the queue.
    unsigned max_active = 4;
    // [transfer] keep_finished, a TOML value as it goes into the file: 0, 90 or "15m".
    std::string keep_finished = "\"1h\"";
    // [control] group: besides root and the daemon's own uid, its members may change things.
    std::optional<std::string> control_group{};
    // [storage] reserve, a TOML value as it goes into the file; the daemon's default if unset.
    std::optional<std::string> reserve{};
    // Mounts a tmpfs of this size (e.g. "8m") on the incoming folder: a disk that fills up.
    std::optional<std::string> incoming_tmpfs_size{};
    // The incoming and state folders on an ext4 file system of this many bytes in an image
    // file, so that a test can cut its power (power_cut()).
    std::optional<std::uint64_t> disk_image_bytes{};
    // Where that image is kept; the daemon's own temporary folder if empty.
    std::filesystem::path disk_image_folder{};
    // [storage] sync, a TOML value; the daemon's default if unset.
    std::optional<std::string> sync{};
    // [transfer] reconnect_attempts and reconnect_delay (a TOML value); the daemon's defaults
    // if unset.
    std::optional<unsigned> reconnect_attempts{};
    std::optional<std::string> reconnect_delay{};
    // [transfer] max_rate, a TOML value ("\"64K\"" or 0); the daemon's default if unset.
    std::optional<std::string> max_rate{};
    // [storage] partial_ttl, a TOML value; the daemon's default if unset.
    std::optional<std::string> partial_ttl{};
    // The body of a [limits] table, TOML lines as they go into the file ("idle_timeout = 1\n").
    std::string limits{};
    // [auth] secret_file: the key this daemon's peers must prove they know, and which it proves
    // to the daemons it sends to; created by the daemon if missing.
    std::optional<std::filesystem::path> secret_file{};
    // The body of a [tls] table, TOML lines ("mode = \"required\"\n").
    std::string tls{};
    // [web] enabled: whether the port answers HTTP requests, or refuses them with 501.
    bool web_enabled = true;
    std::string address = "127.0.0.1";
    // Put before the daemon's command line, e.g. {"ip", "netns", "exec", NAME}.
    std::vector<std::string> command_prefix{};
    // Added to the daemon's environment, e.g. {"WATCHDOG_USEC", "3000000"}.
    std::map<std::string, std::string> environment{};
    // Started by systemd-socket-activate, which listens on a free port of `address` and hands
    // the socket over at the first connection; the instance makes that connection.
    bool socket_activated = false;
    bool bus_allows_any_user = false;
    std::chrono::milliseconds ready_timeout = std::chrono::seconds(30);
};

// One running streamd with its own directory, configuration, incoming folder and private bus.
// It is ready (listening, on the bus) once constructed; the destructor stops it with SIGTERM
// and falls back to SIGKILL.
class StreamdInstance {
public:
    explicit StreamdInstance(StreamdOptions options = {});
    StreamdInstance(const std::filesystem::path& binary, StreamdOptions options);
    StreamdInstance(const StreamdInstance&) = delete;
    StreamdInstance& operator=(const StreamdInstance&) = delete;
    ~StreamdInstance();

    std::uint16_t port() const { return port_; }
    pid_t pid() const { return daemon_->pid(); }
    // HOST:PORT as streamctl takes it.
    std::string endpoint() const { return address_ + ":" + std::to_string(port_); }
    const std::filesystem::path& incoming() const { return incoming_; }
    const std::filesystem::path& config_path() const { return config_path_; }
    const std::string& bus_address() const { return bus_.address(); }
    // What the daemon tells its service manager (NOTIFY_SOCKET).
    NotifySocket& notifications() { return notify_; }
    // The end of the daemon's stderr and stdout so far, for failure messages.
    std::string log(std::size_t lines = 60);

    // The options the configuration file holds now.
    const StreamdOptions& options() const { return options_; }
    // The configuration file's text for `options`, with this daemon's incoming folder.
    std::string config_text(const StreamdOptions& options) const;
    // Replace the configuration file, for a reload to find; the running daemon is not told.
    // The new file takes the old one's place in one rename, so a reload never reads half of it.
    void rewrite_config(const StreamdOptions& options);
    void rewrite_config_text(const std::string& text);
    // kill(2) to the daemon, e.g. SIGHUP to make it reload.
    void send_signal(int signal);
    // False once the daemon has exited, so that a wait can give up at once.
    bool running();

    ExitStatus stop();
    // The daemon's exit status once it has ended on its own, or nullopt after `timeout`.
    std::optional<ExitStatus> wait_exit(std::chrono::milliseconds timeout);
    void stop_bus() { bus_.stop(); }
    // SIGKILL, as a crash would end it: nothing is cleaned up.
    void kill();
    // Starts it again after stop() or kill(), on the same port, folders and bus.
    void restart();
    // With disk_image_bytes: SIGKILL, then a power cut of the file system holding the
    // incoming and state folders (Ext4Image::power_cut). Start it again with restart().
    void power_cut();
    // With disk_image_bytes: the disk fails under the running daemon (Ext4Image::shut_down).
    void fail_disk();

private:
    StreamdOptions options_;
    fixtures::TempDir dir_;
    std::filesystem::path incoming_;
    std::optional<TmpfsMount> incoming_mount_;
    std::optional<Ext4Image> disk_;
    std::filesystem::path config_path_;
    DbusBus bus_;
    NotifySocket notify_;
    void spawn();
    void knock(std::uint16_t port);

    std::filesystem::path binary_;
    std::optional<Process> daemon_;
    std::uint16_t port_ = 0;
    std::string address_;
};

} // namespace streamd::it

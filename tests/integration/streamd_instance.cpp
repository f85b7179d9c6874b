#include "streamd_instance.hpp"

#include "loopback_socket.hpp"
#include "tool_paths.hpp"
#include "unused_port.hpp"
#include "wait_until.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>

namespace streamd::it {

namespace {

constexpr std::chrono::seconds stop_grace{30};

// The daemon's built-in value: left out of the file when unchanged, so that the file holds only
// what a test chose.
constexpr const char* default_keep_finished = "\"1h\"";

std::string config_for(const std::filesystem::path& incoming, const StreamdOptions& options,
                       std::uint16_t port) {
    std::ostringstream out;
    out << "[listen]\n"
        << "address = \"" << options.address << "\"\n"
        << "port = " << port << "\n"
        << "\n[storage]\n"
        << "incoming = \"" << incoming.string() << "\"\n"
        << "state = \"" << (incoming.parent_path() / "state").string() << "\"\n"
        << "max_file_size = " << options.max_file_size << "\n"
        << "on_conflict = \"" << options.on_conflict << "\"\n";
    if (options.reserve) out << "reserve = " << *options.reserve << "\n";
    if (options.partial_ttl) out << "partial_ttl = " << *options.partial_ttl << "\n";
    if (options.sync) out << "sync = " << *options.sync << "\n";
    out << "\n[transfer]\n"
        << "verify = " << (options.verify ? "true" : "false") << "\n"
        << "max_active = " << options.max_active << "\n";
    if (options.keep_finished != default_keep_finished)
        out << "keep_finished = " << options.keep_finished << "\n";
    if (options.reconnect_attempts)
        out << "reconnect_attempts = " << *options.reconnect_attempts << "\n";
    if (options.reconnect_delay) out << "reconnect_delay = " << *options.reconnect_delay << "\n";
    if (options.max_rate) out << "max_rate = " << *options.max_rate << "\n";
    if (!options.limits.empty()) out << "\n[limits]\n" << options.limits;
    if (options.secret_file)
        out << "\n[auth]\nsecret_file = \"" << options.secret_file->string() << "\"\n";
    out << "\n[engine]\n"
        << "workers = " << options.workers << "\n";
    if (!options.web_enabled) out << "\n[web]\nenabled = false\n";
    if (!options.tls.empty()) out << "\n[tls]\n" << options.tls;
    if (options.control_group) out << "\n[control]\ngroup = \"" << *options.control_group << "\"\n";
    return out.str();
}

void replace_file(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::path next = file;
    next += ".next";
    {
        std::ofstream out(next);
        out << text;
        out.flush();
        if (!out) throw std::runtime_error("cannot write " + next.string());
    }
    std::filesystem::rename(next, file);
}

} // namespace

StreamdInstance::StreamdInstance(StreamdOptions options)
    : StreamdInstance(streamd_binary(), std::move(options)) {}

StreamdInstance::StreamdInstance(const std::filesystem::path& binary, StreamdOptions options)
    : options_(options), dir_("streamd-it-daemon"), incoming_(dir_ / "incoming"),
      config_path_(dir_ / "streamd.toml"),
      bus_(DbusBusOptions{.allow_any_user = options.bus_allows_any_user}), notify_(dir_ / "notify"),
      address_(options.address) {
    if (options.disk_image_bytes) {
        disk_.emplace(options.disk_image_folder.empty() ? dir_.path() : options.disk_image_folder,
                      dir_ / "disk", *options.disk_image_bytes);
        incoming_ = dir_ / "disk" / "incoming";
    }
    std::filesystem::create_directory(incoming_);
    if (options.incoming_tmpfs_size)
        incoming_mount_.emplace(incoming_, *options.incoming_tmpfs_size);
    replace_file(config_path_, config_for(incoming_, options, 0));
    binary_ = binary;
    spawn();
}

void StreamdInstance::spawn() {
    SpawnOptions spawn;
    spawn.env = options_.environment;
    spawn.env["DBUS_SESSION_BUS_ADDRESS"] = bus_.address();
    spawn.env["NOTIFY_SOCKET"] = notify_.path().string();
    spawn.argv = options_.command_prefix;
    if (options_.socket_activated) {
        // A restart listens where the first start did, so that peers find it again.
        if (port_ == 0) port_ = unused_port();
        spawn.argv.insert(spawn.argv.end(), {"systemd-socket-activate", "-l",
                                             address_ + ":" + std::to_string(port_)});
        // It hands on no other variables than those it is told to.
        for (const auto& [name, value] : spawn.env)
            spawn.argv.insert(spawn.argv.end(), {"-E", name + "=" + value});
        for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
            if (const char* value = std::getenv(name))
                spawn.argv.insert(spawn.argv.end(), {"-E", std::string(name) + "=" + value});
    }
    spawn.argv.insert(spawn.argv.end(),
                      {binary_.string(), "--user", "--config", config_path_.string()});
    daemon_.emplace(spawn);
    if (options_.socket_activated) knock(port_);
    port_ = notify_.wait_until_listening(*daemon_, options_.ready_timeout);
}

void StreamdInstance::knock(std::uint16_t port) {
    // systemd-socket-activate starts the daemon at the first connection; it listens once it
    // has started, which this process cannot see otherwise.
    bool connected = wait_until([&] {
        if (daemon_->try_wait()) return true;
        UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_in to = loopback_address(port);
        return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) == 0;
    });
    if (!connected)
        throw std::runtime_error("systemd-socket-activate did not listen on port " +
                                 std::to_string(port) + "\n" + log());
}

void StreamdInstance::kill() {
    if (daemon_) daemon_->stop(SIGKILL, stop_grace);
}

void StreamdInstance::power_cut() {
    if (!disk_) throw std::logic_error("power_cut() needs disk_image_bytes");
    kill();
    disk_->power_cut();
}

void StreamdInstance::fail_disk() {
    if (!disk_) throw std::logic_error("fail_disk() needs disk_image_bytes");
    disk_->shut_down();
}

void StreamdInstance::restart() {
    // The port the first start got, so that peers find it where it was.
    replace_file(config_path_, config_for(incoming_, options_, port_));
    spawn();
}

StreamdInstance::~StreamdInstance() {
    stop();
}

std::string StreamdInstance::log(std::size_t lines) {
    if (!daemon_) return "";
    // A daemon that died earlier explains every later failure, so say so first.
    auto status = daemon_->try_wait();
    return "--- streamd " + (status ? "EXITED: " + status->describe() : std::string("running")) +
           ", config " + config_path_.string() + " ---\n--- streamd stderr ---\n" +
           last_lines(daemon_->stderr_text(), lines) + "--- streamd stdout ---\n" +
           last_lines(daemon_->stdout_text(), lines);
}

std::string StreamdInstance::config_text(const StreamdOptions& options) const {
    return config_for(incoming_, options, port_);
}

void StreamdInstance::rewrite_config(const StreamdOptions& options) {
    replace_file(config_path_, config_for(incoming_, options, port_));
    options_ = options;
}

void StreamdInstance::rewrite_config_text(const std::string& text) {
    replace_file(config_path_, text);
}

void StreamdInstance::send_signal(int signal) {
    if (!running())
        throw std::runtime_error("streamd is not running; cannot send it signal " +
                                 std::to_string(signal));
    if (::kill(daemon_->pid(), signal) != 0)
        throw std::system_error(errno, std::generic_category(), "kill streamd");
}

bool StreamdInstance::running() {
    return daemon_ && !daemon_->try_wait();
}

ExitStatus StreamdInstance::stop() {
    if (!daemon_) return {};
    return daemon_->stop(SIGTERM, stop_grace);
}

std::optional<ExitStatus> StreamdInstance::wait_exit(std::chrono::milliseconds timeout) {
    if (!daemon_) return std::nullopt;
    return daemon_->wait_for(timeout);
}

} // namespace streamd::it

#include "streamd_instance.hpp"

#include "tool_paths.hpp"

#include <csignal>
#include <fstream>
#include <stdexcept>

namespace streamd::it {

namespace {

constexpr std::chrono::seconds stop_grace{30};

void write_config(const std::filesystem::path& file, const std::filesystem::path& incoming,
                  const StreamdOptions& options) {
    std::ofstream out(file);
    out << "[listen]\n"
        << "address = \"" << options.address << "\"\n"
        << "port = 0\n"
        << "\n[storage]\n"
        << "incoming = \"" << incoming.string() << "\"\n"
        << "max_file_size = " << options.max_file_size << "\n"
        << "on_conflict = \"" << options.on_conflict << "\"\n"
        << "\n[transfer]\n"
        << "verify = " << (options.verify ? "true" : "false") << "\n"
        << "\n[engine]\n"
        << "workers = " << options.workers << "\n";
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

} // namespace

StreamdInstance::StreamdInstance(StreamdOptions options)
    : StreamdInstance(streamd_binary(), std::move(options)) {}

StreamdInstance::StreamdInstance(const std::filesystem::path& binary, StreamdOptions options)
    : dir_("streamd-it-daemon"), incoming_(dir_ / "incoming"), config_path_(dir_ / "streamd.toml"),
      bus_(DbusBusOptions{.allow_any_user = options.bus_allows_any_user}), notify_(dir_ / "notify"),
      address_(options.address) {
    std::filesystem::create_directory(incoming_);
    write_config(config_path_, incoming_, options);

    SpawnOptions spawn;
    spawn.argv = options.command_prefix;
    spawn.argv.insert(spawn.argv.end(),
                      {binary.string(), "--user", "--config", config_path_.string()});
    spawn.env = {{"DBUS_SESSION_BUS_ADDRESS", bus_.address()},
                 {"NOTIFY_SOCKET", notify_.path().string()}};
    daemon_.emplace(spawn);
    port_ = notify_.wait_until_listening(*daemon_, options.ready_timeout);
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

ExitStatus StreamdInstance::stop() {
    if (!daemon_) return {};
    return daemon_->stop(SIGTERM, stop_grace);
}

} // namespace streamd::it

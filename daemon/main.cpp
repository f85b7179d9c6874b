// streamd: the transfer daemon. Runs in the foreground, as systemd expects.
#include "config/config.hpp"
#include "control/log.hpp"
#include "daemon.hpp"
#include "version.hpp"

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <string_view>
#include <sys/resource.h>

namespace {

constexpr const char* kUsage = R"(Usage: streamd [OPTION]...
Receive and send files over parallel TCP streams; controlled over D-Bus by streamctl.

  -c, --config PATH   read the configuration from PATH
                      (default: /etc/streamd/streamd.toml, if it exists)
      --user          serve on the session bus instead of the system bus
  -v, --verbose       log debug messages
  -h, --help          show this help and exit
      --version       show the version and exit
)";

// A folder being sent holds each of its files open, from the caller's descriptors.
void raise_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "streamd: %s\nTry 'streamd --help'.\n", message.c_str());
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::string config_path;
    bool user = false, verbose = false;
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            std::fputs(kUsage, stdout);
            return 0;
        } else if (arg == "--version") {
            std::printf("streamd %s\n", STREAMD_VERSION);
            return 0;
        } else if (arg == "--user") {
            user = true;
        } else if (arg == "-v" || arg == "--verbose") {
            verbose = true;
        } else if (arg == "-c" || arg == "--config") {
            if (++i == argc) return usage_error(std::string(arg) + " needs a path");
            config_path = argv[i];
        } else if (arg.starts_with("--config=")) {
            config_path = arg.substr(9);
        } else {
            return usage_error("unknown option '" + std::string(arg) + "'");
        }
    }

    streamd::setup_logging(verbose);
    raise_file_limit();
    try {
        streamd::Config config;
        if (config_path.empty() && std::filesystem::exists(streamd::kDefaultConfigPath))
            config_path = streamd::kDefaultConfigPath;
        if (!config_path.empty())
            config = streamd::load_config(config_path);
        else
            spdlog::info("no {}; using the built-in defaults", streamd::kDefaultConfigPath);
        auto bus = user ? streamd::BusKind::Session : config.control.bus;
        streamd::Daemon daemon(std::move(config), config_path, bus);
        return daemon.run();
    } catch (const streamd::ConfigError& e) {
        spdlog::critical("{}", e.what());
    } catch (const std::exception& e) {
        spdlog::critical("{}", e.what());
    }
    return 1;
}

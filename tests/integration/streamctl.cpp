#include "streamctl.hpp"

#include "tool_paths.hpp"

#include <string_view>

namespace streamd::it {

RunResult run_streamctl(const std::string& bus_address, const std::vector<std::string>& args,
                        const StreamctlOptions& options) {
    SpawnOptions spawn;
    if (options.as_nobody)
        spawn.argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
    spawn.argv.push_back(streamctl_binary().string());
    spawn.argv.push_back("--user");
    spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
    spawn.env = {{"DBUS_SESSION_BUS_ADDRESS", bus_address}};
    spawn.unset_env = {"NOTIFY_SOCKET"};
    return run(spawn, options.timeout);
}

std::optional<std::string> failure_reason(const RunResult& result) {
    constexpr std::string_view prefix = "streamctl: ";
    auto lines = lines_of(result.err);
    if (lines.size() != 1 || !lines.front().starts_with(prefix)) return std::nullopt;
    return lines.front().substr(prefix.size());
}

} // namespace streamd::it

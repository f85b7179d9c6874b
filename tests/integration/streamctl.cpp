#include "streamctl.hpp"

#include "tool_paths.hpp"

#include <charconv>
#include <string_view>

namespace streamd::it {

namespace {

SpawnOptions streamctl_command(const std::string& bus_address, const std::vector<std::string>& args,
                               const StreamctlOptions& options) {
    SpawnOptions spawn;
    if (options.as_nobody) {
        spawn.argv = {"setpriv", "--reuid=65534", "--regid=65534"};
        if (options.groups.empty()) {
            spawn.argv.push_back("--clear-groups");
        } else {
            std::string list;
            for (gid_t gid : options.groups)
                list += (list.empty() ? "" : ",") + std::to_string(gid);
            spawn.argv.push_back("--groups=" + list);
        }
    }
    spawn.argv.push_back(streamctl_binary().string());
    spawn.argv.push_back("--user");
    spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
    spawn.env = {{"DBUS_SESSION_BUS_ADDRESS", bus_address}};
    spawn.unset_env = {"NOTIFY_SOCKET"};
    return spawn;
}

} // namespace

RunResult run_streamctl(const std::string& bus_address, const std::vector<std::string>& args,
                        const StreamctlOptions& options) {
    return run(streamctl_command(bus_address, args, options), options.timeout);
}

Process start_streamctl(const std::string& bus_address, const std::vector<std::string>& args,
                        const StreamctlOptions& options) {
    return Process(streamctl_command(bus_address, args, options));
}

std::optional<std::vector<std::uint32_t>> queued_ids(const RunResult& result) {
    std::vector<std::uint32_t> ids;
    for (const auto& line : lines_of(result.out)) {
        std::uint32_t id = 0;
        auto [end, error] = std::from_chars(line.data(), line.data() + line.size(), id);
        if (error != std::errc{} || end != line.data() + line.size()) return std::nullopt;
        ids.push_back(id);
    }
    return ids;
}

std::optional<std::string> failure_reason(const RunResult& result) {
    constexpr std::string_view prefix = "streamctl: ";
    auto lines = lines_of(result.err);
    if (lines.size() != 1 || !lines.front().starts_with(prefix)) return std::nullopt;
    return lines.front().substr(prefix.size());
}

} // namespace streamd::it

#pragma once

#include "process.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace streamd::it {

struct StreamctlOptions {
    // Runs streamctl as user and group 65534 (nobody) through setpriv.
    bool as_nobody = false;
    // With as_nobody: supplementary groups to keep (numeric ids); none if empty.
    std::vector<gid_t> groups{};
    std::chrono::milliseconds timeout = std::chrono::minutes(5);
};

// Runs `streamctl --user ARGS...` against the daemon on the bus at `bus_address`.
RunResult run_streamctl(const std::string& bus_address, const std::vector<std::string>& args,
                        const StreamctlOptions& options = {});

// The same, started in the background, for commands that run until something happens
// (`watch`); the Process kills it if the test ends first.
Process start_streamctl(const std::string& bus_address, const std::vector<std::string>& args,
                        const StreamctlOptions& options = {});

// The ids `send --no-block` printed, one a line; nothing if any line is not a number.
std::optional<std::vector<std::uint32_t>> queued_ids(const RunResult& result);

// The reason from a failure report: stderr must be exactly one line "streamctl: REASON".
std::optional<std::string> failure_reason(const RunResult& result);

} // namespace streamd::it

#pragma once

#include "process.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace streamd::it {

struct StreamctlOptions {
    // Runs streamctl as user and group 65534 (nobody) through setpriv.
    bool as_nobody = false;
    std::chrono::milliseconds timeout = std::chrono::minutes(5);
};

// Runs `streamctl --user ARGS...` against the daemon on the bus at `bus_address`.
RunResult run_streamctl(const std::string& bus_address, const std::vector<std::string>& args,
                        const StreamctlOptions& options = {});

// The reason from a failure report: stderr must be exactly one line "streamctl: REASON".
std::optional<std::string> failure_reason(const RunResult& result);

} // namespace streamd::it

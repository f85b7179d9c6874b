// One entry of the Manager's ListTransfers() reply, a(usssstttso).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace streamd::ctl {

// What of a folder its sender left out, and why (the Transfer object's Skipped).
struct SkippedEntry {
    std::string path;
    std::string reason;
};

struct TransferRow {
    uint32_t id = 0;
    std::string direction; // "in" or "out"
    std::string state;     // queued, connecting, running, verifying, done, failed, canceled
    std::string name;
    std::string peer;
    uint64_t size = 0;
    uint64_t bytes_done = 0;
    uint64_t rate = 0; // bytes per second
    std::string error; // empty unless failed or canceled
    std::string path;  // the transfer's object path
    // Not in the reply: the Transfer object's Encryption, where asked for.
    std::string encryption;
    // Not in the reply either: the Transfer object's Files and FilesDone. Until they are
    // read, what they are for a single file.
    uint32_t files = 1;
    uint32_t files_done = 0;
    // And its Skipped, where read.
    std::optional<std::vector<SkippedEntry>> skipped = std::nullopt;
};

} // namespace streamd::ctl

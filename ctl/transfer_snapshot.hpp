// The properties of one org.streamd.Streamd1.Transfer object, read at one moment.
#pragma once

#include "transfer_row.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace streamd::ctl {

struct TransferSnapshot {
    uint32_t id = 0;
    std::string direction;
    std::string state; // queued, connecting, running, verifying, done, failed, canceled
    std::string name;
    std::string peer;
    uint64_t size = 0;
    uint64_t bytes_done = 0;
    uint64_t rate = 0;  // bytes per second
    uint64_t eta = 0;   // seconds; 0 when not known or finished
    uint32_t files = 1; // 1 for a file; a folder's files, empty ones too
    uint32_t files_done = 0;
    std::vector<SkippedEntry> skipped = {};
    uint32_t streams = 0;
    uint32_t chunk_size = 0;
    uint64_t max_rate = 0; // bytes per second, its own limit; 0: none
    std::string stored_name;
    std::string encryption; // "none", or how it is encrypted
    std::string error;
    uint64_t created_at = 0;  // microseconds since the Unix epoch
    uint64_t started_at = 0;  // 0 while queued
    uint64_t finished_at = 0; // 0 while the transfer runs
    std::string path;         // the object the properties were read from
};

// The snapshot as `list` shows it, so that output made from either reads the same.
inline TransferRow to_row(const TransferSnapshot& s) {
    return {s.id,   s.direction, s.state, s.name,       s.peer,  s.size,       s.bytes_done,
            s.rate, s.error,     s.path,  s.encryption, s.files, s.files_done, s.skipped};
}

} // namespace streamd::ctl

// The properties of one org.streamd.Streamd1.Transfer object, read at one moment.
#pragma once

#include <cstdint>
#include <string>

namespace streamd::ctl {

struct TransferSnapshot {
    uint32_t id = 0;
    std::string direction;
    std::string state; // connecting, running, verifying, done, failed
    std::string name;
    std::string peer;
    uint64_t size = 0;
    uint64_t bytes_done = 0;
    uint64_t rate = 0; // bytes per second
    uint32_t streams = 0;
    uint32_t chunk_size = 0;
    std::string stored_name;
    std::string error;
    uint64_t created_at = 0;  // microseconds since the Unix epoch
    uint64_t finished_at = 0; // 0 while the transfer runs
};

} // namespace streamd::ctl

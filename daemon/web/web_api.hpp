// The JSON documents of the web side's API (docs/HTTP.md).
#pragma once

#include "storage/received_files.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streamd {

// GET /api/files: [{"name": "...", "size": 123, "mtime": 1700000000}, ...]
std::string files_json(const std::vector<ReceivedFile>& files);

// GET /api/info: {"version": "...", "max_file_size": 0, "key": false}
std::string info_json(std::string_view version, uint64_t max_file_size, bool key);

} // namespace streamd

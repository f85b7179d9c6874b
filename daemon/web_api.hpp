// The JSON documents of the web side's API (docs/HTTP.md).
#pragma once

#include "received_files.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streamd {

// GET /api/files: [{"name": "...", "size": 123, "mtime": 1700000000}, ...]
std::string files_json(const std::vector<ReceivedFile>& files);

// GET /api/info: {"version": "...", "max_file_size": 0, "key": false}
std::string info_json(std::string_view version, uint64_t max_file_size, bool key);

// `text` as a quoted JSON string; `text` is UTF-8 (names are checked before they get here).
void append_json_string(std::string& out, std::string_view text);

} // namespace streamd

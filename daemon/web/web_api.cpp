#include "web/web_api.hpp"

#include "json_value.hpp"

namespace streamd {

std::string files_json(const std::vector<ReceivedFile>& files) {
    std::string out = "[";
    for (const auto& f : files) {
        if (out.size() > 1) out += ',';
        out += "{\"name\":";
        proto::append_json_string(out, f.name);
        out += ",\"size\":" + std::to_string(f.size) + ",\"mtime\":" + std::to_string(f.mtime);
        if (f.folder) out += ",\"folder\":true";
        out += "}";
    }
    out += "]\n";
    return out;
}

std::string info_json(std::string_view version, uint64_t max_file_size, bool key) {
    std::string out = "{\"version\":";
    proto::append_json_string(out, version);
    out += ",\"max_file_size\":" + std::to_string(max_file_size) +
           ",\"key\":" + (key ? "true" : "false") + "}\n";
    return out;
}

} // namespace streamd

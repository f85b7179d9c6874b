#include "web_api.hpp"

namespace streamd {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += ch;
        } else if (c < 0x20) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        } else {
            out += ch;
        }
    }
    out += '"';
}

std::string files_json(const std::vector<ReceivedFile>& files) {
    std::string out = "[";
    for (const auto& f : files) {
        if (out.size() > 1) out += ',';
        out += "{\"name\":";
        append_json_string(out, f.name);
        out +=
            ",\"size\":" + std::to_string(f.size) + ",\"mtime\":" + std::to_string(f.mtime) + "}";
    }
    out += "]\n";
    return out;
}

std::string info_json(std::string_view version, uint64_t max_file_size, bool key) {
    std::string out = "{\"version\":";
    append_json_string(out, version);
    out += ",\"max_file_size\":" + std::to_string(max_file_size) +
           ",\"key\":" + (key ? "true" : "false") + "}\n";
    return out;
}

} // namespace streamd

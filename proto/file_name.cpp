#include "file_name.hpp"

#include "native_frames.hpp"
#include "utf8.hpp"

namespace streamd::proto {

std::optional<std::string> name_problem(std::string_view name) {
    if (name.empty()) return "the name is empty";
    if (name.size() > kMaxName)
        return "the name is longer than " + std::to_string(kMaxName) + " bytes";
    if (name == "." || name == "..") return "'" + std::string(name) + "' is not a file name";
    for (char c : name) {
        if (c == '/') return "the name contains '/'";
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "the name contains control characters";
    }
    if (!valid_utf8(name)) return "the name is not valid UTF-8";
    if (name.starts_with(kPartialPrefix))
        return "names starting with '" + std::string(kPartialPrefix) + "' are reserved";
    return std::nullopt;
}

std::string bare_name(std::string_view path) {
    while (path.size() > 1 && path.ends_with('/'))
        path.remove_suffix(1);
    auto slash = path.rfind('/');
    return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

} // namespace streamd::proto

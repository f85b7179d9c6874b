// Manifests from the network. Whatever decodes must encode back to the same bytes, and
// must describe a tree that stays inside its folder: every path is bare names under
// folders listed before it, and every link, followed through any other links the way
// the kernel would, ends inside the tree (checked by resolving it here, independently of
// link_target_problem). The tree's data maps onto each non-empty file once, in order.
#include "byte_order.hpp"
#include "fuzz_check.hpp"
#include "tree_manifest.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace {

using namespace streamd::proto;

std::vector<std::string> split(const std::string& path) {
    std::vector<std::string> parts;
    size_t pos = 0;
    for (size_t slash; (slash = path.find('/', pos)) != std::string::npos; pos = slash + 1)
        parts.push_back(path.substr(pos, slash - pos));
    parts.push_back(path.substr(pos));
    return parts;
}

std::string join(const std::vector<std::string>& parts, size_t n) {
    std::string path;
    for (size_t i = 0; i < n; ++i)
        path += (i ? "/" : "") + parts[i];
    return path;
}

// Where `target` leads from the folder `at` (components below the top), following the
// links in `links` as the kernel would: nothing if any step leaves the top folder. A
// chain of more than 40 links ends where it is, as the kernel stops with ELOOP.
std::optional<std::vector<std::string>> resolve(std::vector<std::string> at,
                                                const std::string& target,
                                                const std::map<std::string, std::string>& links,
                                                int& hops) {
    for (const auto& part : split(target)) {
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (at.empty()) return std::nullopt;
            at.pop_back();
            continue;
        }
        at.push_back(part);
        auto link = links.find(join(at, at.size()));
        if (link == links.end() || ++hops > 40) continue;
        at.pop_back();
        auto led = resolve(at, link->second, links, hops);
        if (!led) return std::nullopt;
        at = std::move(*led);
    }
    return at;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    TreeManifest m;
    try {
        m = decode_manifest({data, size});
    } catch (const FrameError& e) {
        FUZZ_CHECK(e.what()[0] != '\0');
        return 0;
    }
    const auto again = encode_manifest(m);
    FUZZ_CHECK(again.size() == size && std::equal(again.begin(), again.end(), data));

    std::map<std::string, std::string> links;
    std::map<std::string, EntryKind> seen;
    for (const auto& e : m.entries) {
        FUZZ_CHECK(!tree_path_problem(e.path));
        const auto parts = split(e.path);
        if (parts.size() > 1) {
            auto parent = seen.find(join(parts, parts.size() - 1));
            FUZZ_CHECK(parent != seen.end() && parent->second == EntryKind::Folder);
        }
        FUZZ_CHECK(seen.emplace(e.path, e.kind).second);
        if (e.kind == EntryKind::Link) links.emplace(e.path, e.target);
    }
    for (const auto& [path, target] : links) {
        auto parts = split(path);
        parts.pop_back();
        int hops = 0;
        FUZZ_CHECK(resolve(parts, target, links, hops).has_value());
    }

    TreeLayout layout(m);
    uint64_t total = 0;
    size_t files = 0;
    for (const auto& e : m.entries)
        if (e.kind == EntryKind::File && e.size > 0) {
            total += e.size;
            ++files;
        }
    FUZZ_CHECK(layout.data_size() == total && layout.files() == files);
    if (total > 0) {
        const auto extents = layout.extents(0, total);
        FUZZ_CHECK(extents.size() == files);
        for (const auto& x : extents)
            FUZZ_CHECK(x.file_offset == 0 && x.length == m.entries[x.entry].size);
    }
    return 0;
}

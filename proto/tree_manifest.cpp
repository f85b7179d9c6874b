#include "tree_manifest.hpp"

#include "byte_order.hpp"
#include "file_name.hpp"
#include "utf8.hpp"

#include <algorithm>
#include <limits>
#include <unordered_set>

namespace streamd::proto {

namespace {

constexpr size_t kEntryFixed = 30; // an entry without its path and target

// The components of a '/'-joined path; an empty one where two slashes meet.
std::vector<std::string_view> components(std::string_view path) {
    std::vector<std::string_view> parts;
    for (size_t pos = 0;;) {
        size_t slash = path.find('/', pos);
        parts.push_back(path.substr(pos, slash - pos));
        if (slash == std::string_view::npos) return parts;
        pos = slash + 1;
    }
}

std::string_view parent_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

[[noreturn]] void bad_entry(size_t index, const std::string& path, const std::string& why) {
    throw FrameError("manifest entry " + std::to_string(index + 1) +
                     (path.empty() ? "" : " ('" + path + "')") + ": " + why);
}

} // namespace

std::optional<std::string> tree_path_problem(std::string_view path) {
    if (path.empty()) return "the path is empty";
    if (path.size() > kMaxTreePath)
        return "the path is longer than " + std::to_string(kMaxTreePath) + " bytes";
    const auto parts = components(path);
    if (parts.size() > kMaxTreeDepth + 1)
        return "the path is more than " + std::to_string(kMaxTreeDepth) + " folders deep";
    for (auto part : parts) {
        if (part.empty()) return "the path has an empty component";
        if (auto problem = name_problem(part)) return *problem;
    }
    return std::nullopt;
}

std::optional<std::string> link_target_problem(std::string_view path, std::string_view target) {
    if (target.empty()) return "the link's target is empty";
    if (target.size() > kMaxTreePath)
        return "the link's target is longer than " + std::to_string(kMaxTreePath) + " bytes";
    if (target.starts_with('/')) return "the link's target is an absolute path";
    for (char c : target)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
            return "the link's target contains control characters";
    if (!valid_utf8(target)) return "the link's target is not valid UTF-8";
    // Climbing is measured from the folder that holds the link, whose folders are real
    // ones (every parent in a manifest is a folder entry).
    size_t room = parent_of(path).empty() ? 0 : components(parent_of(path)).size();
    bool climbing = true;
    for (auto part : components(target)) {
        if (part.empty() || part == ".") continue;
        if (part == "..") {
            if (!climbing) return "the link's target climbs after it has descended";
            if (room == 0) return "the link's target leads out of the folder sent";
            --room;
            continue;
        }
        climbing = false;
    }
    return std::nullopt;
}

std::vector<uint8_t> encode_manifest(const TreeManifest& m) {
    std::vector<uint8_t> out;
    Writer w(out);
    w.u32(static_cast<uint32_t>(m.entries.size()));
    for (const auto& e : m.entries) {
        w.u8(static_cast<uint8_t>(e.kind));
        w.u8(0);
        w.u16(static_cast<uint16_t>(e.path.size()));
        w.u32(e.mode);
        w.u64(static_cast<uint64_t>(e.mtime_sec));
        w.u32(e.mtime_nsec);
        w.u64(e.size);
        w.u16(static_cast<uint16_t>(e.target.size()));
        w.bytes(e.path);
        w.bytes(e.target);
    }
    return out;
}

TreeManifest decode_manifest(std::span<const uint8_t> bytes) {
    if (bytes.size() > kMaxManifest) throw FrameError("the manifest is too large");
    Reader r(bytes);
    const uint32_t count = r.u32();
    if (count > kMaxTreeEntries)
        throw FrameError("the manifest lists " + std::to_string(count) + " entries, more than " +
                         std::to_string(kMaxTreeEntries));
    if (count > r.remaining() / kEntryFixed) throw FrameError("frame body is truncated");
    TreeManifest m;
    m.entries.reserve(count);
    std::unordered_set<std::string_view> folders;
    std::unordered_set<std::string_view> paths;
    uint64_t data = 0;
    for (uint32_t i = 0; i < count; ++i) {
        TreeEntry e;
        const uint8_t kind = r.u8();
        const uint8_t reserved = r.u8();
        const uint16_t path_length = r.u16();
        e.mode = r.u32();
        e.mtime_sec = static_cast<int64_t>(r.u64());
        e.mtime_nsec = r.u32();
        e.size = r.u64();
        const uint16_t target_length = r.u16();
        e.path = r.string(path_length);
        e.target = r.string(target_length);

        if (kind < 1 || kind > 3) bad_entry(i, "", "unknown kind " + std::to_string(kind));
        if (reserved != 0) bad_entry(i, "", "a reserved byte is not 0");
        e.kind = static_cast<EntryKind>(kind);
        if (auto problem = tree_path_problem(e.path)) bad_entry(i, "", *problem);
        if (e.mtime_nsec >= 1'000'000'000) bad_entry(i, e.path, "mtime nanoseconds out of range");
        if (e.kind != EntryKind::File && e.size != 0)
            bad_entry(i, e.path, "only a file has a size");
        if (e.kind == EntryKind::Link) {
            if (auto problem = link_target_problem(e.path, e.target))
                bad_entry(i, e.path, *problem);
        } else if (!e.target.empty()) {
            bad_entry(i, e.path, "only a link has a target");
        }
        if (e.size > std::numeric_limits<int64_t>::max() - data)
            bad_entry(i, e.path, "the files add up to more bytes than a transfer can hold");
        data += e.size;
        m.entries.push_back(std::move(e));
    }
    if (r.remaining() != 0) throw FrameError("trailing bytes after the manifest");
    // Names point into m.entries, which no longer moves.
    for (size_t i = 0; i < m.entries.size(); ++i) {
        const TreeEntry& e = m.entries[i];
        const std::string_view parent = parent_of(e.path);
        if (!parent.empty() && !folders.contains(parent))
            bad_entry(i, e.path, "its folder is not listed before it");
        if (!paths.insert(e.path).second) bad_entry(i, e.path, "listed twice");
        if (e.kind == EntryKind::Folder) folders.insert(e.path);
    }
    return m;
}

TreeLayout::TreeLayout(const TreeManifest& m) {
    for (size_t i = 0; i < m.entries.size(); ++i) {
        const TreeEntry& e = m.entries[i];
        if (e.kind != EntryKind::File || e.size == 0) continue;
        files_.push_back(i);
        starts_.push_back(total_);
        sizes_.push_back(e.size);
        total_ += e.size;
    }
}

std::vector<Extent> TreeLayout::extents(uint64_t offset, uint64_t length) const {
    std::vector<Extent> out;
    // From the last file that starts at or before `offset`.
    const auto after = std::upper_bound(starts_.begin(), starts_.end(), offset);
    size_t f = after == starts_.begin() ? 0 : static_cast<size_t>(after - starts_.begin()) - 1;
    for (; length > 0 && f < files_.size(); ++f) {
        const uint64_t within = offset - starts_[f];
        const uint64_t n = std::min(length, sizes_[f] - within);
        out.push_back({files_[f], within, n});
        offset += n;
        length -= n;
    }
    return out;
}

} // namespace streamd::proto

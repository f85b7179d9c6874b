#include "web/upload_tree.hpp"

#include "byte_order.hpp"
#include "digest.hpp"
#include "native_frames.hpp"

#include <set>

namespace streamd {

std::variant<UploadTree, std::string> upload_tree(const proto::web::StartUpload& m) {
    // Ordered by bytes, so that a folder comes before every folder beneath it.
    std::set<std::string> folders(m.folders.begin(), m.folders.end());
    uint64_t total = 0;
    for (const auto& f : *m.files) {
        for (size_t slash = f.path.find('/'); slash != std::string::npos;
             slash = f.path.find('/', slash + 1))
            folders.insert(f.path.substr(0, slash));
        total += f.size;
        if (total < f.size) return std::string("the files' sizes add up to too much");
    }
    if (total != m.size)
        return "the files' sizes add up to " + std::to_string(total) + " bytes, not " +
               std::to_string(m.size);
    if (folders.size() + m.files->size() > proto::kMaxTreeEntries)
        return "a folder holds at most " + std::to_string(proto::kMaxTreeEntries) + " entries";
    proto::TreeManifest manifest;
    manifest.entries.reserve(folders.size() + m.files->size());
    for (const auto& path : folders) {
        proto::TreeEntry e;
        e.kind = proto::EntryKind::Folder;
        e.path = path;
        e.mode = 0755;
        e.mtime_sec = proto::kMtimeUnknown;
        manifest.entries.push_back(std::move(e));
    }
    for (const auto& f : *m.files) {
        proto::TreeEntry e;
        e.path = f.path;
        e.size = f.size;
        const auto time = proto::web::file_time(f.mtime_ms);
        e.mtime_sec = time.sec;
        e.mtime_nsec = time.nsec;
        manifest.entries.push_back(std::move(e));
    }
    UploadTree tree;
    const auto encoded = proto::encode_manifest(manifest);
    if (encoded.size() > proto::kMaxManifest) return std::string("the folder's list is too long");
    try {
        // The rules a native peer's manifest meets: names, depth, duplicates, order.
        tree.manifest = proto::decode_manifest(encoded);
    } catch (const proto::FrameError& e) {
        return std::string(e.what());
    }
    tree.length = static_cast<uint32_t>(encoded.size());
    tree.digest = proto::chunk_digest(encoded);
    return tree;
}

} // namespace streamd

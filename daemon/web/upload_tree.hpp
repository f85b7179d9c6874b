// A folder a browser uploads (docs/WEBSOCKET.md, *Folders*): the manifest made from the
// paths and sizes its start_upload lists, checked by the same rules as a native peer's.
#pragma once

#include "tree_manifest.hpp"
#include "web_messages.hpp"

#include <string>
#include <variant>

namespace streamd {

struct UploadTree {
    proto::TreeManifest manifest;
    uint32_t length = 0; // of the encoded manifest, and its XXH3-64, for the offer
    uint64_t digest = 0;
};

// Every folder a path lies in comes first (files keep the order the browser sends their
// data in); folders get mode 0755, files 0644. Returns why the message does not describe
// a folder that can be received, for the `name_invalid` error.
std::variant<UploadTree, std::string> upload_tree(const proto::web::StartUpload& m);

} // namespace streamd

// A folder being received, built as the hidden folder `.streamd-<id>.tree` in the
// incoming folder: its folders made and its files created at their sizes (sparse) from
// the manifest before any data arrives, written through descriptors opened beneath it
// one component at a time without following links, and put in place whole once
// complete. Everything beneath it is the daemon's alone (mode 0700 until placed), and
// its links are made only at the end, so no write can be led anywhere else.
#pragma once

#include "native_frames.hpp"
#include "storage/storage.hpp"
#include "tree_manifest.hpp"
#include "unique_fd.hpp"

#include <string>

namespace streamd {

class PartialTree {
public:
    // Creates the hidden folder with every folder and file of `manifest`; throws
    // Refusal (and leaves nothing behind). With `reuse`, takes the folder an earlier
    // attempt of the same manifest left, files and all, when it still fits the manifest,
    // and starts over otherwise.
    PartialTree(const Storage& storage, const proto::TransferId& id, proto::TreeManifest manifest,
                bool reuse);
    PartialTree(const PartialTree&) = delete;
    PartialTree& operator=(const PartialTree&) = delete;
    ~PartialTree() = default;

    const proto::TreeManifest& manifest() const { return manifest_; }
    // Whether the folder an earlier attempt left was taken (and its data kept).
    bool reused() const { return reused_; }
    static std::string folder_name(const proto::TransferId& id);

    // A file entry of the manifest, opened beneath the tree for `access` (O_WRONLY,
    // O_RDONLY); throws Refusal.
    UniqueFd open_file(size_t entry, int access) const;

    // Makes the links, gives every entry its mode and mtime (deepest first, so that
    // making one does not change its folder's), the top folder the offer's, and renames
    // it into place under the offer's name following on_conflict. Returns the name it
    // got; throws Refusal.
    std::string place(const proto::Offer& offer);
    // Makes everything written beneath it durable, with one sync of its file system:
    // cheaper than one per file, of which a tree may hold a million. False (errno set)
    // when the disk says no.
    bool sync() const;
    // Removes the hidden folder and everything beneath it, following no link.
    void discard() noexcept;

private:
    // Makes every folder and file; with `reuse` what is there already may stay.
    void build(bool reuse);
    // The folder that holds `path`, opened beneath the tree.
    UniqueFd open_parent(const std::string& path) const;

    const Storage& storage_;
    const std::string name_;
    proto::TreeManifest manifest_;
    UniqueFd top_;
    bool reused_ = false;
};

// Removes everything beneath the folder open as `folder` without following a link; the
// folder itself stays. False if anything could not be removed.
bool remove_beneath(int folder) noexcept;

} // namespace streamd

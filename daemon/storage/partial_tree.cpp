#include "storage/partial_tree.hpp"

#include "file_name.hpp"
#include "storage/folder_entries.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace streamd {

namespace {

constexpr int kFolderFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

Refusal refusal(const std::string& what, int err) {
    return {proto::ErrorCode::IoError, what + ": " + std::strerror(err)};
}

std::string leaf_of(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

void stamp(int folder, const std::string& name, uint32_t mode, int64_t sec, uint32_t nsec,
           bool link, const std::string& path) {
    if (!link && ::fchmodat(folder, name.c_str(), mode & 0777, 0) != 0)
        throw refusal("cannot set the mode of '" + path + "'", errno);
    if (sec == proto::kMtimeUnknown) return;
    const timespec times[2] = {{0, UTIME_OMIT},
                               {static_cast<time_t>(sec), static_cast<long>(nsec)}};
    if (::utimensat(folder, name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0)
        throw refusal("cannot set the mtime of '" + path + "'", errno);
}

} // namespace

bool remove_beneath(int folder) noexcept {
    // Read whole before anything goes: removing while reading may skip entries.
    const auto entries = folder_entries(folder);
    if (!entries) return false;
    bool all = true;
    for (const auto& e : *entries) {
        if (S_ISDIR(e.st.st_mode)) {
            UniqueFd sub(::openat(folder, e.name.c_str(), kFolderFlags));
            all = sub && remove_beneath(sub.get()) && all;
            all = ::unlinkat(folder, e.name.c_str(), AT_REMOVEDIR) == 0 && all;
        } else {
            all = ::unlinkat(folder, e.name.c_str(), 0) == 0 && all;
        }
    }
    return all;
}

std::string PartialTree::folder_name(const proto::TransferId& id) {
    return Storage::tree_name(id);
}

PartialTree::PartialTree(const Storage& storage, const proto::TransferId& id,
                         proto::TreeManifest manifest, bool reuse)
    : storage_(storage), name_(folder_name(id)), manifest_(std::move(manifest)) {
    if (reuse) {
        try {
            build(true);
            reused_ = true;
            return;
        } catch (const Refusal&) {
            // Not what the manifest says, so nothing in it can be trusted: start over.
            discard();
            top_.reset();
        }
    }
    try {
        build(false);
    } catch (...) {
        discard();
        throw;
    }
}

void PartialTree::build(bool reuse) {
    if (!reuse && ::mkdirat(storage_.dir(), name_.c_str(), 0700) != 0)
        throw refusal("cannot create the folder to receive into", errno);
    top_.reset(::openat(storage_.dir(), name_.c_str(), kFolderFlags));
    if (!top_) throw refusal("cannot open the folder to receive into", errno);
    for (const auto& e : manifest_.entries) {
        UniqueFd parent = open_parent(e.path);
        const std::string leaf = leaf_of(e.path);
        if (e.kind == proto::EntryKind::Link) {
            // Made only by place(), which a kill may have cut short.
            if (reuse && ::unlinkat(parent.get(), leaf.c_str(), 0) != 0 && errno != ENOENT)
                throw refusal("cannot remove the link '" + e.path + "'", errno);
            continue;
        }
        if (e.kind == proto::EntryKind::Folder) {
            if (::mkdirat(parent.get(), leaf.c_str(), 0700) != 0 && !(reuse && errno == EEXIST))
                throw refusal("cannot create the folder '" + e.path + "'", errno);
            continue;
        }
        const int exclusive = reuse ? 0 : O_EXCL;
        UniqueFd file(::openat(parent.get(), leaf.c_str(),
                               O_WRONLY | O_CREAT | exclusive | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!file) throw refusal("cannot create '" + e.path + "'", errno);
        struct stat st {};
        if (reuse && (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode)))
            throw refusal("'" + e.path + "' is not a file", EINVAL);
        if (static_cast<uint64_t>(st.st_size) != e.size &&
            ::ftruncate(file.get(), static_cast<off_t>(e.size)) != 0)
            throw refusal("cannot size '" + e.path + "'", errno);
    }
}

UniqueFd PartialTree::open_parent(const std::string& path) const {
    UniqueFd folder(::fcntl(top_.get(), F_DUPFD_CLOEXEC, 0));
    for (size_t pos = 0, slash; (slash = path.find('/', pos)) != std::string::npos;
         pos = slash + 1) {
        const std::string part = path.substr(pos, slash - pos);
        UniqueFd next(::openat(folder.get(), part.c_str(), kFolderFlags));
        if (!next) throw refusal("cannot open the folder of '" + path + "'", errno);
        folder = std::move(next);
    }
    if (!folder) throw refusal("cannot open the folder of '" + path + "'", errno);
    return folder;
}

UniqueFd PartialTree::open_file(size_t entry, int access) const {
    const proto::TreeEntry& e = manifest_.entries.at(entry);
    UniqueFd parent = open_parent(e.path);
    UniqueFd file(::openat(parent.get(), leaf_of(e.path).c_str(), access | O_NOFOLLOW | O_CLOEXEC));
    if (!file) throw refusal("cannot open '" + e.path + "'", errno);
    return file;
}

std::string PartialTree::place(const proto::Offer& offer) {
    for (const auto& e : manifest_.entries) {
        if (e.kind != proto::EntryKind::Link) continue;
        UniqueFd parent = open_parent(e.path);
        if (::symlinkat(e.target.c_str(), parent.get(), leaf_of(e.path).c_str()) != 0)
            throw refusal("cannot create the link '" + e.path + "'", errno);
    }
    for (auto it = manifest_.entries.rbegin(); it != manifest_.entries.rend(); ++it) {
        UniqueFd parent = open_parent(it->path);
        stamp(parent.get(), leaf_of(it->path), it->mode, it->mtime_sec, it->mtime_nsec,
              it->kind == proto::EntryKind::Link, it->path);
    }
    stamp(storage_.dir(), name_, offer.mode, offer.mtime_sec, offer.mtime_nsec, false, offer.name);
    return storage_.place(name_, offer);
}

void PartialTree::discard() noexcept {
    if (top_) remove_beneath(top_.get());
    ::unlinkat(storage_.dir(), name_.c_str(), AT_REMOVEDIR);
}

bool PartialTree::sync() const {
    return ::syncfs(top_.get()) == 0;
}

} // namespace streamd

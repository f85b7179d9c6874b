#include "source_tree.hpp"

#include "failure.hpp"
#include "file_name.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace streamd::ctl {

namespace {

std::string error_text(int error) {
    return std::strerror(error);
}

// A folder's entry names, "." and ".." left out, in byte order.
std::vector<std::string> names_in(int folder, const std::string& shown) {
    // fdopendir takes over the descriptor it is given, so it gets its own.
    const int copy = ::fcntl(folder, F_DUPFD_CLOEXEC, 0);
    DIR* dir = copy < 0 ? nullptr : ::fdopendir(copy);
    if (!dir) {
        const int error = errno;
        if (copy >= 0) ::close(copy);
        throw Failure("cannot read the folder '" + shown + "': " + error_text(error));
    }
    std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, ::closedir);
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* d = ::readdir(dir)) {
        std::string name = d->d_name;
        if (name != "." && name != "..") names.push_back(std::move(name));
    }
    if (errno != 0) throw Failure("cannot read the folder '" + shown + "': " + error_text(errno));
    std::sort(names.begin(), names.end());
    return names;
}

// Files open at once: the soft limit raised to the hard one, which is all there is.
size_t open_file_limit() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::getrlimit(RLIMIT_NOFILE, &limit);
    }
    return limit.rlim_cur == RLIM_INFINITY ? SIZE_MAX : limit.rlim_cur;
}

class Walk {
public:
    Walk(SourceTree& tree, std::string top) : tree_(tree), top_(std::move(top)) {}

    // The entries of the folder open as `folder`, at `prefix` inside the tree.
    void folder(int folder, const std::string& prefix, size_t depth) {
        for (const auto& name : names_in(folder, shown(prefix))) {
            const std::string path = prefix.empty() ? name : prefix + "/" + name;
            if (auto problem = proto::name_problem(name)) {
                skip(path, "its name cannot be sent: " + *problem);
                continue;
            }
            entry(folder, name, path, depth);
        }
    }

private:
    std::string shown(const std::string& path) const { return path_in_folder(top_, path); }
    // Running out of descriptors says nothing about the entry: leaving it out would send
    // a folder that lacks it for no reason of its own.
    void check_descriptors(int error, const std::string& path) const {
        if (error == EMFILE)
            throw Failure("cannot open '" + shown(path) + "': streamctl may have at most " +
                          std::to_string(limit_) + " files open at once (ulimit -n)");
        if (error == ENFILE)
            throw Failure("cannot open '" + shown(path) + "': " + error_text(error));
    }
    void skip(const std::string& path, std::string why) {
        tree_.skipped.push_back({path, std::move(why)});
    }
    void add(proto::TreeEntry e, const struct stat& st) {
        if (tree_.manifest.entries.size() >= proto::kMaxTreeEntries)
            throw Failure("'" + top_ + "' holds more than " +
                          std::to_string(proto::kMaxTreeEntries) + " entries");
        e.mode = st.st_mode & 07777;
        e.mtime_sec = st.st_mtim.tv_sec;
        e.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
        tree_.manifest.entries.push_back(std::move(e));
    }

    void entry(int folder, const std::string& name, const std::string& path, size_t depth) {
        struct stat st {};
        if (::fstatat(folder, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
            return skip(path, error_text(errno));
        if (S_ISDIR(st.st_mode)) return subfolder(folder, name, path, depth);
        if (S_ISLNK(st.st_mode)) return link(folder, name, path, st);
        if (S_ISREG(st.st_mode)) return file(folder, name, path);
        if (S_ISFIFO(st.st_mode)) return skip(path, "a FIFO");
        if (S_ISSOCK(st.st_mode)) return skip(path, "a socket");
        return skip(path, "a device");
    }

    void subfolder(int folder, const std::string& name, const std::string& path, size_t depth) {
        if (depth + 1 > proto::kMaxTreeDepth)
            throw Failure("'" + top_ + "' is more than " + std::to_string(proto::kMaxTreeDepth) +
                          " folders deep at '" + path + "'");
        UniqueFd sub(
            ::openat(folder, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub) check_descriptors(errno, path);
        struct stat st {};
        if (!sub || ::fstat(sub.get(), &st) != 0) return skip(path, error_text(errno));
        add({.kind = proto::EntryKind::Folder, .path = path, .target = {}}, st);
        this->folder(sub.get(), path, depth + 1);
    }

    void link(int folder, const std::string& name, const std::string& path, const struct stat& st) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        const ssize_t n = ::readlinkat(folder, name.c_str(), target.data(), target.size());
        if (n < 0) return skip(path, error_text(errno));
        if (static_cast<size_t>(n) >= target.size()) return skip(path, "the link changed");
        target.resize(static_cast<size_t>(n));
        if (auto problem = proto::link_target_problem(path, target)) return skip(path, *problem);
        add({.kind = proto::EntryKind::Link, .path = path, .target = std::move(target)}, st);
    }

    void file(int folder, const std::string& name, const std::string& path) {
        // O_NONBLOCK as for a single file: whatever replaced the file since it was looked
        // at, opening it cannot hang.
        UniqueFd fd(::openat(folder, name.c_str(),
                             O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
        if (!fd) check_descriptors(errno, path);
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0) return skip(path, error_text(errno));
        if (!S_ISREG(st.st_mode)) return skip(path, "it changed while the folder was read");
        // A file of several names goes once, under the first; the others are named.
        if (st.st_nlink > 1) {
            auto [first, fresh] = linked_.try_emplace({st.st_dev, st.st_ino}, path);
            if (!fresh) return skip(path, "a hard link to '" + shown(first->second) + "'");
        }
        const int flags = ::fcntl(fd.get(), F_GETFL);
        if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0)
            return skip(path, error_text(errno));
        if (tree_.files.size() + 16 >= limit_)
            throw Failure("'" + top_ + "' holds more files than streamctl may open at once (" +
                          std::to_string(limit_) + ", ulimit -n)");
        add({.kind = proto::EntryKind::File,
             .path = path,
             .size = static_cast<uint64_t>(st.st_size),
             .target = {}},
            st);
        tree_.files.push_back(std::move(fd));
    }

    SourceTree& tree_;
    const std::string top_;
    // Files of more than one name, by device and inode: the first name met.
    std::map<std::pair<dev_t, ino_t>, std::string> linked_;
    const size_t limit_ = open_file_limit();
};

} // namespace

std::string folder_name(const std::string& path) {
    std::string name = proto::bare_name(path);
    // "." and ".." name no folder of their own: the folder's real name is offered.
    if (name == "." || name == "..") {
        std::unique_ptr<char, decltype(&std::free)> real(::realpath(path.c_str(), nullptr),
                                                         &std::free);
        name = real ? proto::bare_name(real.get()) : "";
    }
    return name;
}

SourceTree scan_source_tree(const std::string& path) {
    UniqueFd top(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!top) {
        if (errno == ENOTDIR) throw Failure("'" + path + "' is not a folder");
        throw Failure("cannot open '" + path + "': " + error_text(errno));
    }
    struct stat st {};
    if (::fstat(top.get(), &st) != 0)
        throw Failure("cannot open '" + path + "': " + error_text(errno));
    SourceTree tree;
    tree.name = folder_name(path);
    tree.mode = st.st_mode & 07777;
    tree.mtime_sec = st.st_mtim.tv_sec;
    tree.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
    Walk(tree, path).folder(top.get(), "", 0);
    tree.folder = std::move(top);
    return tree;
}

std::vector<UniqueFd> take_data_files(SourceTree& tree) {
    std::vector<UniqueFd> data;
    size_t next = 0;
    for (const proto::TreeEntry& e : tree.manifest.entries) {
        if (e.kind != proto::EntryKind::File) continue;
        UniqueFd fd = std::move(tree.files.at(next++));
        if (e.size > 0) data.push_back(std::move(fd));
    }
    tree.files.clear();
    return data;
}

std::string path_in_folder(std::string_view folder, std::string_view path) {
    if (path.empty()) return std::string(folder);
    // "photos/" as typed names the same folder as "photos".
    while (folder.size() > 1 && folder.ends_with('/'))
        folder.remove_suffix(1);
    std::string joined(folder);
    if (!joined.ends_with('/')) joined += '/';
    return joined + std::string(path);
}

} // namespace streamd::ctl

#include "storage/received_tree.hpp"

#include "file_name.hpp"
#include "storage/folder_entries.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace streamd {

namespace {

constexpr int kFolderFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

class Walk {
public:
    explicit Walk(ReceivedTree& tree) : tree_(tree) {}

    void folder(int folder, const std::string& prefix, size_t depth) {
        auto entries = folder_entries(folder);
        if (!entries)
            throw Refusal{proto::ErrorCode::IoError,
                          "cannot read the folder '" + prefix + "': " + std::strerror(errno)};
        std::sort(entries->begin(), entries->end(),
                  [](const FolderEntry& a, const FolderEntry& b) { return a.name < b.name; });
        for (const auto& e : *entries) {
            const std::string path = prefix.empty() ? e.name : prefix + "/" + e.name;
            if (auto problem = proto::name_problem(e.name))
                skip(path, "its name cannot be sent: " + *problem);
            else if (S_ISDIR(e.st.st_mode))
                subfolder(folder, e.name, path, depth);
            else if (S_ISREG(e.st.st_mode))
                file(folder, e.name, path);
            else if (S_ISLNK(e.st.st_mode))
                link(folder, e.name, path, e.st);
            else
                skip(path, S_ISFIFO(e.st.st_mode)   ? "a FIFO"
                           : S_ISSOCK(e.st.st_mode) ? "a socket"
                                                    : "a device");
        }
    }

private:
    void skip(const std::string& path, std::string why) {
        tree_.skipped.emplace_back(path, std::move(why));
    }

    void add(proto::TreeEntry e, const struct stat& st) {
        if (tree_.manifest.entries.size() >= proto::kMaxTreeEntries)
            throw Refusal{proto::ErrorCode::TooLarge, "the folder holds more than " +
                                                          std::to_string(proto::kMaxTreeEntries) +
                                                          " entries"};
        e.mode = st.st_mode & 0777;
        e.mtime_sec = st.st_mtim.tv_sec;
        e.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
        tree_.manifest.entries.push_back(std::move(e));
    }

    static void check_descriptors(int error) {
        if (error == EMFILE || error == ENFILE)
            throw Refusal{proto::ErrorCode::IoError,
                          std::string("the folder holds more files than can be open at once: ") +
                              std::strerror(error)};
    }

    void subfolder(int folder, const std::string& name, const std::string& path, size_t depth) {
        if (depth + 1 > proto::kMaxTreeDepth)
            throw Refusal{proto::ErrorCode::TooLarge, "the folder is more than " +
                                                          std::to_string(proto::kMaxTreeDepth) +
                                                          " folders deep at '" + path + "'"};
        UniqueFd sub(::openat(folder, name.c_str(), kFolderFlags));
        if (!sub) check_descriptors(errno);
        struct stat st {};
        if (!sub || ::fstat(sub.get(), &st) != 0) return skip(path, std::strerror(errno));
        add({.kind = proto::EntryKind::Folder, .path = path, .target = {}}, st);
        this->folder(sub.get(), path, depth + 1);
    }

    void file(int folder, const std::string& name, const std::string& path) {
        // O_NONBLOCK: whatever replaced the file since it was listed, opening it cannot hang.
        UniqueFd fd(::openat(folder, name.c_str(),
                             O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
        if (!fd) check_descriptors(errno);
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0) return skip(path, std::strerror(errno));
        if (!S_ISREG(st.st_mode)) return skip(path, "it changed while the folder was read");
        if (::fcntl(fd.get(), F_SETFL, 0) != 0) return skip(path, std::strerror(errno));
        add({.kind = proto::EntryKind::File,
             .path = path,
             .size = static_cast<uint64_t>(st.st_size),
             .target = {}},
            st);
        if (st.st_size > 0) tree_.files.push_back(std::move(fd));
    }

    void link(int folder, const std::string& name, const std::string& path, const struct stat& st) {
        std::string target(static_cast<size_t>(st.st_size) + 1, '\0');
        const ssize_t n = ::readlinkat(folder, name.c_str(), target.data(), target.size());
        if (n < 0) return skip(path, std::strerror(errno));
        if (static_cast<size_t>(n) >= target.size()) return skip(path, "the link changed");
        target.resize(static_cast<size_t>(n));
        if (auto problem = proto::link_target_problem(path, target)) return skip(path, *problem);
        add({.kind = proto::EntryKind::Link, .path = path, .target = std::move(target)}, st);
    }

    ReceivedTree& tree_;
};

} // namespace

std::optional<ReceivedTree> open_received_tree(int dir_fd, std::string_view name) {
    if (proto::name_problem(name)) return std::nullopt;
    ReceivedTree tree;
    tree.folder.reset(::openat(dir_fd, std::string(name).c_str(), kFolderFlags));
    if (!tree.folder) return std::nullopt;
    Walk(tree).folder(tree.folder.get(), "", 0);
    return tree;
}

} // namespace streamd

#include "storage/storage.hpp"

#include "file_name.hpp"
#include "size_units.hpp"
#include "storage/partial_tree.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <memory>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <system_error>
#include <unistd.h>

namespace streamd {

namespace {

Refusal io_refusal(const char* what, int err) {
    return {proto::ErrorCode::IoError, std::string(what) + ": " + std::strerror(err)};
}

// Cuts at most `max` bytes without splitting a UTF-8 sequence.
std::string utf8_prefix(const std::string& s, size_t max) {
    if (s.size() <= max) return s;
    size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return s.substr(0, n);
}

} // namespace

std::string conflict_name(const std::string& name, unsigned n) {
    auto dot = name.rfind('.');
    if (dot == 0 || dot == std::string::npos) dot = name.size();
    std::string suffix = " (" + std::to_string(n) + ")";
    std::string ext = name.substr(dot);
    std::string stem = name.substr(0, dot);
    if (stem.size() + suffix.size() + ext.size() > proto::kMaxName) {
        if (suffix.size() + ext.size() >= proto::kMaxName) ext.clear();
        stem = utf8_prefix(stem, proto::kMaxName - suffix.size() - ext.size());
    }
    return stem + suffix + ext;
}

Storage::Storage(const Config::Storage& config)
    : path_(config.incoming), max_file_size_(config.max_file_size),
      on_conflict_(config.on_conflict), reserve_(config.reserve), sync_(config.sync),
      partial_ttl_(config.partial_ttl) {
    std::error_code ec;
    std::filesystem::create_directories(path_, ec);
    if (ec) throw std::system_error(ec, "cannot create incoming folder " + path_.string());
    dir_.reset(::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_)
        throw std::system_error(errno, std::generic_category(),
                                "cannot open incoming folder " + path_.string());
    if (::faccessat(dir_.get(), ".", W_OK, AT_EACCESS) != 0)
        throw std::system_error(errno, std::generic_category(),
                                "cannot write to incoming folder " + path_.string());
    lock_.emplace(path_, "incoming folder");
}

void Storage::set_limits(const Config::Storage& config) {
    max_file_size_.store(config.max_file_size, std::memory_order_relaxed);
    on_conflict_.store(config.on_conflict, std::memory_order_relaxed);
    reserve_.store(config.reserve, std::memory_order_relaxed);
    sync_.store(config.sync, std::memory_order_relaxed);
    partial_ttl_.store(config.partial_ttl, std::memory_order_relaxed);
}

std::string Storage::partial_name(const proto::TransferId& id) {
    return std::string(proto::kPartialPrefix) + proto::to_hex(id) + ".part";
}

std::string Storage::tree_name(const proto::TransferId& id) {
    return std::string(proto::kPartialPrefix) + proto::to_hex(id) + ".tree";
}

std::string Storage::journal_name(const proto::TransferId& id) {
    return std::string(proto::kPartialPrefix) + proto::to_hex(id) + ".journal";
}

void Storage::check_offer(const proto::Offer& offer, uint64_t present) const {
    if (auto problem = proto::name_problem(offer.name))
        throw Refusal{proto::ErrorCode::BadName, *problem};
    const uint64_t max_file_size = max_file_size_.load(std::memory_order_relaxed);
    if (max_file_size != 0 && offer.size > max_file_size)
        throw Refusal{proto::ErrorCode::TooLarge, "file of " + std::to_string(offer.size) +
                                                      " bytes (" + proto::format_size(offer.size) +
                                                      ") exceeds the limit of " +
                                                      std::to_string(max_file_size) + " bytes"};
    if (offer.chunk_count() > kMaxChunks)
        throw Refusal{proto::ErrorCode::TooLarge,
                      "file of " + std::to_string(offer.size) + " bytes needs more than " +
                          std::to_string(kMaxChunks) + " chunks of " +
                          proto::format_size(offer.chunk_size) + "; send it with larger chunks"};
    struct statvfs fs {};
    if (::fstatvfs(dir_.get(), &fs) == 0) {
        uint64_t free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
        uint64_t reserve = reserve_.load(std::memory_order_relaxed);
        uint64_t needed = offer.size - std::min(offer.size, present);
        if (needed > free_bytes || free_bytes - needed < reserve)
            throw Refusal{proto::ErrorCode::IoError,
                          "not enough space: the file needs " + proto::format_size(needed) + ", " +
                              proto::format_size(free_bytes) + " are free and " +
                              proto::format_size(reserve) + " must stay free"};
    }
    const OnConflict on_conflict = on_conflict_.load(std::memory_order_relaxed);
    if (on_conflict == OnConflict::Fail) {
        struct stat st {};
        if (::fstatat(dir_.get(), offer.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0)
            throw Refusal{proto::ErrorCode::Exists, "'" + offer.name + "' already exists"};
    }
}

UniqueFd Storage::create_partial(const std::string& partial_name, uint64_t size) const {
    UniqueFd fd(::openat(dir_.get(), partial_name.c_str(),
                         O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw io_refusal("cannot create partial file", errno);
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
        int err = errno;
        discard(partial_name);
        throw io_refusal("cannot size partial file", err);
    }
    return fd;
}

void Storage::stamp(int fd, const proto::Offer& offer) const {
    if (::fchmod(fd, offer.mode & 0777) != 0) throw io_refusal("cannot set mode", errno);
    if (offer.mtime_sec != proto::kMtimeUnknown) {
        timespec times[2] = {
            {0, UTIME_OMIT},
            {static_cast<time_t>(offer.mtime_sec), static_cast<long>(offer.mtime_nsec)}};
        if (::futimens(fd, times) != 0) throw io_refusal("cannot set mtime", errno);
    }
}

std::string Storage::place(const std::string& partial_name, const proto::Offer& offer) const {
    auto place = [&](const std::string& name, unsigned flags) {
        return ::renameat2(dir_.get(), partial_name.c_str(), dir_.get(), name.c_str(), flags);
    };
    switch (on_conflict_.load(std::memory_order_relaxed)) {
    case OnConflict::Overwrite:
        if (place(offer.name, 0) == 0) return offer.name;
        if (const int err = errno; err == ENOTEMPTY || err == EEXIST)
            throw Refusal{proto::ErrorCode::Exists,
                          "'" + offer.name +
                              "' already exists as a folder that is not empty, "
                              "which on_conflict = \"overwrite\" does not replace"};
        else if (err == EISDIR || err == ENOTDIR)
            throw Refusal{proto::ErrorCode::Exists,
                          "'" + offer.name + "' already exists as a " +
                              (err == EISDIR ? "folder" : "file") + ", which a " +
                              (err == EISDIR ? "file" : "folder") + " does not replace"};
        else
            throw io_refusal("cannot rename into place", err);
    case OnConflict::Fail:
        if (place(offer.name, RENAME_NOREPLACE) != 0) {
            if (errno == EEXIST)
                throw Refusal{proto::ErrorCode::Exists, "'" + offer.name + "' already exists"};
            throw io_refusal("cannot rename into place", errno);
        }
        return offer.name;
    case OnConflict::Rename:
        for (unsigned n = 0; n < 10000; ++n) {
            std::string name = n == 0 ? offer.name : conflict_name(offer.name, n);
            if (place(name, RENAME_NOREPLACE) == 0) return name;
            if (errno != EEXIST) throw io_refusal("cannot rename into place", errno);
        }
        throw Refusal{proto::ErrorCode::Exists, "too many files named like '" + offer.name + "'"};
    }
    throw Refusal{proto::ErrorCode::Internal, "unknown conflict policy"};
}

void Storage::doom(const proto::TransferId& id) const {
    std::lock_guard lock(partials_mutex_);
    if (held(id)) {
        doomed_.insert(id);
        return;
    }
    discard(partial_name(id));
    discard(journal_name(id));
    discard(tree_name(id));
}

unsigned Storage::expire_partials(uint64_t ttl) const {
    std::lock_guard lock(partials_mutex_);
    // Per transfer id: the newest modification time of its partial file or folder and its
    // journal.
    std::map<std::string, int64_t> newest;
    UniqueFd copy(::openat(dir_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* dir = copy ? ::fdopendir(copy.get()) : nullptr;
    if (!dir) return 0;
    copy.release(); // closedir() closes it
    std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, ::closedir);
    while (const dirent* entry = ::readdir(dir)) {
        std::string_view name = entry->d_name;
        if (!name.starts_with(proto::kPartialPrefix)) continue;
        std::string_view stem = name.substr(proto::kPartialPrefix.size());
        const auto dot = stem.rfind('.');
        if (dot == std::string_view::npos) continue;
        const std::string_view kind = stem.substr(dot);
        if (kind != ".part" && kind != ".journal" && kind != ".tree") continue;
        stem.remove_suffix(kind.size());
        struct stat st {};
        if (::fstatat(dir_.get(), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        auto& t = newest[std::string(stem)];
        t = std::max<int64_t>(t, st.st_mtim.tv_sec);
    }
    const int64_t cutoff = static_cast<int64_t>(::time(nullptr)) - static_cast<int64_t>(ttl);
    unsigned removed = 0;
    for (const auto& entry : newest) {
        const std::string& hex = entry.first;
        if (entry.second > cutoff) continue;
        bool held_now = std::any_of(held_.begin(), held_.end(), [&](const proto::TransferId& id) {
            return proto::to_hex(id) == hex;
        });
        if (held_now) continue;
        discard(std::string(proto::kPartialPrefix) + hex + ".part");
        discard(std::string(proto::kPartialPrefix) + hex + ".journal");
        discard(std::string(proto::kPartialPrefix) + hex + ".tree");
        ++removed;
    }
    return removed;
}

void Storage::discard(const std::string& partial_name) const noexcept {
    if (::unlinkat(dir_.get(), partial_name.c_str(), 0) == 0 || errno != EISDIR) return;
    UniqueFd folder(::openat(dir_.get(), partial_name.c_str(),
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (folder) remove_beneath(folder.get());
    ::unlinkat(dir_.get(), partial_name.c_str(), AT_REMOVEDIR);
}

} // namespace streamd

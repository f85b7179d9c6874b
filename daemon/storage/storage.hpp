// The incoming folder: partial files, the checks before accepting an offer, and the
// final rename into place.
#pragma once

#include "config/config.hpp"
#include "native_frames.hpp"
#include "storage/folder_lock.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace streamd {

// A failure that the peer is told about: a protocol error code and a one-line message.
struct Refusal {
    proto::ErrorCode code;
    std::string message;
};

// Per-chunk state is kept in memory; this bounds it (16 TiB in 4 MiB chunks).
inline constexpr uint64_t kMaxChunks = uint64_t{1} << 22;

// "name (n).ext" for the n-th clash, kept within the 255-byte name limit.
std::string conflict_name(const std::string& name, unsigned n);

class Storage {
public:
    // Creates the folder if needed; throws std::system_error naming the path.
    explicit Storage(const Config::Storage& config);

    const std::filesystem::path& path() const { return path_; }
    // Any thread: the largest file an offer may announce, 0 for no limit.
    uint64_t max_file_size() const { return max_file_size_.load(std::memory_order_relaxed); }
    // New limits for offers from now on (a reload); any thread.
    void set_limits(const Config::Storage& config);

    // Throws Refusal when the offer cannot be taken. `present`: bytes of the file that
    // an earlier attempt left on disk, which need no more space.
    void check_offer(const proto::Offer& offer, uint64_t present = 0) const;
    // A new sparse partial file of the offer's size; throws Refusal.
    UniqueFd create_partial(const std::string& partial_name, uint64_t size) const;
    // Any thread: whether received data waits for the disk ([storage] sync = "data"), as
    // decided for transfers that start from now on.
    bool syncs() const { return sync_.load(std::memory_order_relaxed) == SyncMode::Data; }
    // Any thread: seconds a partial file nothing writes to is kept, 0 for ever.
    uint64_t partial_ttl() const { return partial_ttl_.load(std::memory_order_relaxed); }
    // Gives the partial file the offer's mode and mtime; throws Refusal.
    void stamp(int fd, const proto::Offer& offer) const;
    // Renames the partial into place following on_conflict and returns the name it got;
    // throws Refusal.
    std::string place(const std::string& partial_name, const proto::Offer& offer) const;
    // Removes a partial file, or a partial folder with everything beneath it.
    void discard(const std::string& partial_name) const noexcept;

    static std::string partial_name(const proto::TransferId& id);
    static std::string journal_name(const proto::TransferId& id);
    // The hidden folder a folder is received into (partial_tree.hpp).
    static std::string tree_name(const proto::TransferId& id);
    // The incoming folder, for the *at() calls of partial files.
    int dir() const { return dir_.get(); }

    // Partial files are found, taken over, kept and removed under this lock; and the
    // partial of a transfer whose streams may still write to it is `held`, so that no
    // other transfer takes it over.
    std::unique_lock<std::mutex> lock_partials() const { return std::unique_lock(partials_mutex_); }
    void hold(const proto::TransferId& id) const { held_.insert(id); }
    void let_go(const proto::TransferId& id) const {
        if (auto it = held_.find(id); it != held_.end()) held_.erase(it);
    }
    bool held(const proto::TransferId& id) const { return held_.contains(id); }
    // The partial of `id` is not wanted any more (its sender canceled): removed now, or
    // when the transfer holding it lets go. Takes the lock.
    void doom(const proto::TransferId& id) const;
    // Removes partial files and journals that no transfer holds and nothing has written
    // to for `ttl` seconds; returns how many transfers' partials went. Takes the lock.
    unsigned expire_partials(uint64_t ttl) const;
    // For the holder letting go (lock held): true once, if `id` was doomed meanwhile.
    bool take_doomed(const proto::TransferId& id) const { return doomed_.erase(id) > 0; }

private:
    std::filesystem::path path_;
    UniqueFd dir_;
    std::optional<FolderLock> lock_;
    // Read by every worker, changed by a reload.
    std::atomic<uint64_t> max_file_size_;
    std::atomic<OnConflict> on_conflict_;
    std::atomic<uint64_t> reserve_;
    std::atomic<SyncMode> sync_;
    std::atomic<uint64_t> partial_ttl_;
    mutable std::mutex partials_mutex_;
    mutable std::multiset<proto::TransferId> held_;
    mutable std::set<proto::TransferId> doomed_;
};

} // namespace streamd

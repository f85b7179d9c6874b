// The state folder: every outgoing transfer is written down when it is queued and
// removed when it ends, so that a daemon that was stopped or killed picks its
// unfinished transfers back up, under the same transfer id, and the receiver resumes
// them where they stopped. With [storage] sync a record is on disk before the caller
// hears the transfer is queued, and its removal before the next one is written.
#pragma once

#include "config/config.hpp"
#include "native_frames.hpp"
#include "storage/folder_lock.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace streamd {

struct SavedTransfer {
    proto::Offer offer;
    std::string destination; // HOST:PORT
    // The file as the caller's descriptor named it, and which file that was: reopened
    // after a restart only if the path still leads to the same, unchanged file.
    std::string path;
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t max_rate = 0; // streamctl send --rate
};

std::vector<uint8_t> encode_saved_transfer(const SavedTransfer& t);
// Throws std::runtime_error naming what is wrong.
SavedTransfer decode_saved_transfer(std::span<const uint8_t> bytes);

class OutgoingState {
public:
    // Creates the folder (mode 0700) if needed; throws std::system_error naming it.
    OutgoingState(std::filesystem::path dir, SyncMode sync);

    // From a reload.
    void set_sync(SyncMode sync) { sync_.store(sync, std::memory_order_relaxed); }
    const std::filesystem::path& path() const { return dir_; }
    // Any thread. Written whole or not at all; false (after a warning) when it cannot be.
    bool save(const SavedTransfer& t) const;
    void remove(const proto::TransferId& id) const;
    // Everything written down; records that do not decode are removed with a warning.
    std::vector<SavedTransfer> load() const;

private:
    std::filesystem::path file_for(const proto::TransferId& id) const;
    bool syncs() const { return sync_.load(std::memory_order_relaxed) == SyncMode::Data; }
    // Makes the folder's entries durable; false (errno set) when the disk says no.
    bool sync_folder() const;

    std::filesystem::path dir_;
    UniqueFd dir_fd_;
    std::optional<FolderLock> lock_;
    std::atomic<SyncMode> sync_;
};

} // namespace streamd

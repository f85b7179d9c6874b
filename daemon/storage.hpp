// The incoming folder: partial files, the checks before accepting an offer, and the
// final rename into place.
#pragma once

#include "config.hpp"
#include "native_frames.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <cstdint>
#include <filesystem>
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
    // New limits for offers from now on (a reload); any thread.
    void set_limits(const Config::Storage& config);

    // Throws Refusal when the offer cannot be taken.
    void check_offer(const proto::Offer& offer) const;
    // A new sparse partial file of the offer's size; throws Refusal.
    UniqueFd create_partial(const std::string& partial_name, uint64_t size) const;
    // Sets mode and mtime, renames the partial into place following on_conflict and
    // returns the name it got; throws Refusal.
    std::string commit(int fd, const std::string& partial_name, const proto::Offer& offer) const;
    void discard(const std::string& partial_name) const noexcept;

    static std::string partial_name(const proto::TransferId& id);

private:
    std::filesystem::path path_;
    UniqueFd dir_;
    // Read by every worker, changed by a reload.
    std::atomic<uint64_t> max_file_size_;
    std::atomic<OnConflict> on_conflict_;
    std::atomic<uint64_t> reserve_;
};

} // namespace streamd

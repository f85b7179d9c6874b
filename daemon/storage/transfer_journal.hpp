// The journal beside a partial file: which chunks are in the file and verified, so that
// a transfer broken off (a dropped connection, either daemon killed) resumes where it
// stopped instead of starting over.
//
// Append-only: a header holding the offer, then one fixed-size record per chunk written
// and verified, each with its own checksum. A crash can tear the record being written or
// leave a gap where a record from another stream was still on its way; such a slot does
// not check out and its chunk simply counts as missing. Anything else that does not
// check out (a damaged header, a record naming a chunk the file does not have) means the
// journal cannot be trusted, and the transfer starts over.
#pragma once

#include "native_frames.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <vector>

namespace streamd {

struct JournalEntry {
    uint64_t index;  // chunk index
    uint64_t digest; // the chunk's digest as checked when it arrived
};

// What the journal on disk says, before anything is checked against the partial file.
struct JournalContents {
    proto::Offer offer; // as the journal recorded it
    std::vector<JournalEntry> entries;
    uint64_t header_size = 0;
    uint64_t slots = 0; // record slots in use, valid or not; appending starts after them
};

// The journal is damaged or not what it claims; `what()` says how.
class JournalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr size_t kJournalRecordSize = 24;

std::vector<uint8_t> encode_journal_header(const proto::Offer& offer);
std::array<uint8_t, kJournalRecordSize> encode_journal_record(const JournalEntry& entry);
// Parses a whole journal file; throws JournalError.
JournalContents parse_journal(std::span<const uint8_t> bytes);

// An open journal that chunks are recorded in as they are verified.
class TransferJournal {
public:
    // Writes a fresh header into `fd`, which must be empty; throws std::system_error.
    static std::unique_ptr<TransferJournal> create(UniqueFd fd, const proto::Offer& offer);
    // Reads the journal in `fd`; throws JournalError or std::system_error.
    static std::unique_ptr<TransferJournal> open(UniqueFd fd, JournalContents& contents);
    // Records go into slot `slots` and on, after a header of `header_size` bytes.
    TransferJournal(UniqueFd fd, uint64_t header_size, uint64_t slots)
        : fd_(std::move(fd)), header_size_(header_size), next_slot_(slots) {}

    // Any thread. A record that cannot be written only costs a re-send after a
    // resume, so failures are reported and otherwise ignored: returns false then.
    bool record(const JournalEntry& entry);
    // For a sync of what was recorded.
    int fd() const { return fd_.get(); }
    // Puts `id` into the header (a kept partial taken over by a new transfer).
    void rename(const proto::Offer& offer);

private:
    UniqueFd fd_;
    uint64_t header_size_;
    std::atomic<uint64_t> next_slot_;
};

} // namespace streamd

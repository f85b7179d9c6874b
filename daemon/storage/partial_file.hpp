// A partial file with its journal, as a receiving transfer holds it (for a tree, the
// journal beside its partial folder). An offer picks up what an earlier attempt left: the
// partial under its own transfer id (a sender that reconnected), or a kept partial of the
// very same file or tree under another id (sent again after a failure); otherwise it
// starts a new one.
#pragma once

#include "native_frames.hpp"
#include "storage/storage.hpp"
#include "storage/transfer_journal.hpp"
#include "unique_fd.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

struct PartialFile {
    UniqueFd file; // a tree's partial folder, opened only to tell that it is there
    std::unique_ptr<TransferJournal> journal;
    // What the journal says is in the file; not yet checked against the data.
    std::vector<JournalEntry> entries;
    // Bytes of the file already on disk (the free-space check counts only the rest).
    uint64_t allocated = 0;
    // For the log: how an existing partial was found, empty for a new one.
    std::string origin;

    bool exists() const { return static_cast<bool>(file); }
};

// The partial an earlier attempt left for `offer`, or none (exists() false). A partial
// whose journal is damaged or belongs to another file is removed, with a warning that
// says why, and the offer starts over. Call with the storage's partials lock held.
PartialFile find_partial(const Storage& storage, const proto::Offer& offer);
// The offer whose partial the journal of `id` keeps, if that journal is there and sound.
std::optional<proto::Offer> kept_offer(const Storage& storage, const proto::TransferId& id);
// A new partial file and journal; throws Refusal.
PartialFile create_partial(const Storage& storage, const proto::Offer& offer);
// A new journal alone, for a tree whose folder PartialTree makes; throws Refusal.
std::unique_ptr<TransferJournal> create_journal(const Storage& storage, const proto::Offer& offer);

// True when two offers describe the same file or tree (the transfer id and stream count
// aside; a tree's manifest by its length and digest).
bool same_file(const proto::Offer& a, const proto::Offer& b);

} // namespace streamd

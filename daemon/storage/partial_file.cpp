#include "storage/partial_file.hpp"

#include "file_name.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace streamd {

namespace {

constexpr std::string_view kJournalSuffix = ".journal";

UniqueFd open_in(const Storage& storage, const std::string& name) {
    return UniqueFd(::openat(storage.dir(), name.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
}

bool is_tree(const proto::Offer& offer) {
    return offer.kind == proto::OfferKind::Tree;
}

// What holds the data of transfer `id`: a partial file, or the partial folder of a tree.
std::string data_name(const proto::TransferId& id, const proto::Offer& offer) {
    return is_tree(offer) ? Storage::tree_name(id) : Storage::partial_name(id);
}

UniqueFd open_data(const Storage& storage, const std::string& name, const proto::Offer& offer) {
    if (!is_tree(offer)) return open_in(storage, name);
    return UniqueFd(
        ::openat(storage.dir(), name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
}

std::optional<proto::TransferId> id_of_journal(std::string_view name) {
    if (!name.starts_with(proto::kPartialPrefix) || !name.ends_with(kJournalSuffix))
        return std::nullopt;
    name.remove_prefix(proto::kPartialPrefix.size());
    name.remove_suffix(kJournalSuffix.size());
    proto::TransferId id{};
    if (name.size() != 2 * id.size()) return std::nullopt;
    for (size_t i = 0; i < id.size(); ++i) {
        auto nibble = [](char c) -> int {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            return -1;
        };
        int hi = nibble(name[2 * i]), lo = nibble(name[2 * i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        id[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return id;
}

// Opens the partial of `id` and its journal, if both are there and the journal is
// sound and describes `offer`'s file; removes them and returns nothing otherwise.
PartialFile open_existing(const Storage& storage, const proto::TransferId& id,
                          const proto::Offer& offer) {
    PartialFile p;
    const std::string partial = data_name(id, offer), journal = Storage::journal_name(id);
    UniqueFd file = open_data(storage, partial, offer);
    UniqueFd journal_fd = open_in(storage, journal);
    if (!file && !journal_fd) return p;
    std::string problem;
    struct stat st {};
    JournalContents contents;
    if (!file) {
        problem = "its journal has no partial file";
    } else if (!journal_fd) {
        problem = "it has no journal";
    } else if (is_tree(offer) && (::fstat(file.get(), &st) != 0 || !S_ISDIR(st.st_mode))) {
        problem = "it is not a folder";
    } else if (!is_tree(offer) && (::fstat(file.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
                                   static_cast<uint64_t>(st.st_size) != offer.size)) {
        problem = "it is not a file of " + std::to_string(offer.size) + " bytes";
    } else {
        try {
            auto opened = TransferJournal::open(std::move(journal_fd), contents);
            if (!same_file(contents.offer, offer)) {
                // Another file's partial: not ours to judge unless it carries our id.
                if (contents.offer.id != offer.id) return p;
                problem = "its journal describes another version of the file";
            } else {
                p.journal = std::move(opened);
            }
        } catch (const JournalError& e) {
            problem = e.what();
        } catch (const std::system_error& e) {
            problem = e.what();
        }
    }
    if (!problem.empty()) {
        spdlog::warn("partial file {} cannot be resumed ({}); removed", partial, problem);
        storage.discard(partial);
        storage.discard(journal);
        return p;
    }
    p.file = std::move(file);
    p.entries = std::move(contents.entries);
    // A tree's blocks are in its files; counting none only asks for more room than needed.
    if (!is_tree(offer)) p.allocated = static_cast<uint64_t>(st.st_blocks) * 512;
    return p;
}

} // namespace

bool same_file(const proto::Offer& a, const proto::Offer& b) {
    return a.size == b.size && a.chunk_size == b.chunk_size && a.digest == b.digest &&
           a.name == b.name && a.mode == b.mode && a.mtime_sec == b.mtime_sec &&
           a.mtime_nsec == b.mtime_nsec && a.kind == b.kind &&
           a.manifest_length == b.manifest_length && a.manifest_digest == b.manifest_digest;
}

PartialFile find_partial(const Storage& storage, const proto::Offer& offer) {
    PartialFile own = open_existing(storage, offer.id, offer);
    if (own.exists()) {
        own.origin = "resumed";
        return own;
    }
    // A kept partial of the same file under another id: the file sent again. Only a file
    // known by its mtime is taken for the same: two uploads of the same name and size from
    // browsers may hold anything.
    if (offer.mtime_sec == proto::kMtimeUnknown) return {};
    UniqueFd dir_copy(::openat(storage.dir(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* dir = dir_copy ? ::fdopendir(dir_copy.get()) : nullptr;
    if (!dir) return {};
    dir_copy.release(); // closedir() closes it
    std::unique_ptr<DIR, int (*)(DIR*)> closer(dir, ::closedir);
    while (const dirent* entry = ::readdir(dir)) {
        auto id = id_of_journal(entry->d_name);
        if (!id || *id == offer.id || storage.held(*id)) continue;
        PartialFile kept = open_existing(storage, *id, offer);
        if (!kept.exists()) continue;
        // Taken under this transfer's name; renaming the journal first claims it, so
        // that of two offers racing for the same partial only one gets it.
        if (::renameat(storage.dir(), Storage::journal_name(*id).c_str(), storage.dir(),
                       Storage::journal_name(offer.id).c_str()) != 0)
            continue;
        if (::renameat(storage.dir(), data_name(*id, offer).c_str(), storage.dir(),
                       data_name(offer.id, offer).c_str()) != 0) {
            storage.discard(Storage::journal_name(offer.id));
            continue;
        }
        try {
            kept.journal->rename(offer);
        } catch (const std::system_error&) {
            // Left naming the old id it would not be resumed from again; the records in it
            // still count for this attempt.
        }
        kept.origin = "taken over from " + proto::to_hex(*id);
        return kept;
    }
    return {};
}

std::optional<proto::Offer> kept_offer(const Storage& storage, const proto::TransferId& id) {
    UniqueFd fd = open_in(storage, Storage::journal_name(id));
    if (!fd) return std::nullopt;
    try {
        JournalContents contents;
        TransferJournal::open(std::move(fd), contents);
        if (contents.offer.id != id) return std::nullopt;
        return contents.offer;
    } catch (const JournalError&) {
        return std::nullopt;
    } catch (const std::system_error&) {
        return std::nullopt;
    }
}

std::unique_ptr<TransferJournal> create_journal(const Storage& storage, const proto::Offer& offer) {
    const std::string journal = Storage::journal_name(offer.id);
    UniqueFd fd(::openat(storage.dir(), journal.c_str(),
                         O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    try {
        if (!fd) throw std::system_error(errno, std::generic_category(), "cannot create journal");
        return TransferJournal::create(std::move(fd), offer);
    } catch (const std::system_error& e) {
        storage.discard(journal);
        throw Refusal{proto::ErrorCode::IoError, e.what()};
    }
}

PartialFile create_partial(const Storage& storage, const proto::Offer& offer) {
    PartialFile p;
    const std::string partial = Storage::partial_name(offer.id);
    p.file = storage.create_partial(partial, offer.size);
    try {
        p.journal = create_journal(storage, offer);
    } catch (const Refusal&) {
        storage.discard(partial);
        throw;
    }
    return p;
}

} // namespace streamd

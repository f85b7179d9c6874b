#include "transfer/source_data.hpp"

#include "digest.hpp"
#include "engine/mapped_region.hpp"

#include <cerrno>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace streamd {

namespace {

bool has_holes(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 &&
           static_cast<uint64_t>(st.st_blocks) * 512 < static_cast<uint64_t>(st.st_size);
}

bool hole_at(const SourcePiece& p) {
    off_t data = ::lseek(p.file, static_cast<off_t>(p.offset), SEEK_DATA);
    if (data < 0) return errno == ENXIO;
    return static_cast<uint64_t>(data) >= p.offset + p.length;
}

} // namespace

SourceData::SourceData(UniqueFd file) {
    sparse_ = has_holes(file.get());
    files_.push_back(std::move(file));
}

SourceData::SourceData(proto::TreeManifest manifest, std::vector<UniqueFd> files)
    : manifest_(std::move(manifest)), layout_(manifest_), files_(std::move(files)) {
    if (files_.size() != layout_->files())
        throw std::invalid_argument("a tree needs one file for each non-empty file it lists");
    file_of_entry_.resize(manifest_.entries.size(), 0);
    uint32_t next = 0;
    for (size_t i = 0; i < manifest_.entries.size(); ++i) {
        const auto& e = manifest_.entries[i];
        if (e.kind == proto::EntryKind::File && e.size > 0) file_of_entry_[i] = next++;
    }
    for (const auto& f : files_)
        if (has_holes(f.get())) {
            sparse_ = true;
            break;
        }
}

std::vector<SourcePiece> SourceData::pieces(uint64_t offset, uint64_t length) const {
    if (!layout_) return {{files_.front().get(), offset, length}};
    std::vector<SourcePiece> out;
    for (const auto& e : layout_->extents(offset, length))
        out.push_back({files_[file_of_entry_[e.entry]].get(), e.file_offset, e.length});
    return out;
}

uint64_t SourceData::digest(uint64_t offset, uint64_t length) const {
    const auto all = pieces(offset, length);
    if (all.size() == 1) {
        MappedRegion region(all[0].file, all[0].offset, all[0].length);
        return proto::chunk_digest(region.bytes());
    }
    proto::ChunkHasher hasher;
    for (const auto& p : all) {
        MappedRegion region(p.file, p.offset, p.length);
        hasher.update(region.bytes());
    }
    return hasher.digest();
}

bool SourceData::is_hole(uint64_t offset, uint64_t length) const {
    for (const auto& p : pieces(offset, length))
        if (!hole_at(p)) return false;
    return true;
}

} // namespace streamd

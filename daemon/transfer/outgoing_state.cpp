#include "transfer/outgoing_state.hpp"

#include "byte_order.hpp"
#include "digest.hpp"
#include "unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace streamd {

namespace {

constexpr std::array<uint8_t, 4> kMagic = {0xC5, 'S', 'T', 'Q'};
constexpr uint16_t kVersion = 2; // 1 had no max_rate
constexpr std::string_view kSuffix = ".send";

void string16(proto::Writer& w, std::string_view s) {
    w.u16(static_cast<uint16_t>(s.size()));
    w.bytes(s);
}

} // namespace

std::vector<uint8_t> encode_saved_transfer(const SavedTransfer& t) {
    const auto offer = proto::encode_offer_body(t.offer);
    std::vector<uint8_t> out;
    proto::Writer w(out);
    w.bytes(kMagic);
    w.u16(kVersion);
    w.u16(static_cast<uint16_t>(offer.size()));
    w.bytes(offer);
    string16(w, t.destination);
    string16(w, t.path);
    w.u64(t.device);
    w.u64(t.inode);
    w.u64(t.max_rate);
    w.u64(proto::chunk_digest(out));
    return out;
}

SavedTransfer decode_saved_transfer(std::span<const uint8_t> bytes) {
    if (bytes.size() < kMagic.size() + 8) throw std::runtime_error("too short");
    proto::Reader sum(bytes.last(8));
    if (sum.u64() != proto::chunk_digest(bytes.first(bytes.size() - 8)))
        throw std::runtime_error("damaged (checksum)");
    try {
        proto::Reader r(bytes.first(bytes.size() - 8));
        auto magic = r.bytes(kMagic.size());
        if (!std::equal(magic.begin(), magic.end(), kMagic.begin()))
            throw std::runtime_error("not a saved transfer");
        const uint16_t version = r.u16();
        if (version != 1 && version != kVersion)
            throw std::runtime_error("written by another version");
        SavedTransfer t;
        t.offer = proto::decode_offer(r.bytes(r.u16()));
        t.destination = r.string(r.u16());
        t.path = r.string(r.u16());
        t.device = r.u64();
        t.inode = r.u64();
        if (version >= 2) t.max_rate = r.u64();
        if (r.remaining() != 0) throw std::runtime_error("trailing bytes");
        return t;
    } catch (const proto::FrameError& e) {
        throw std::runtime_error(e.what());
    }
}

OutgoingState::OutgoingState(std::filesystem::path dir, SyncMode sync)
    : dir_(std::move(dir)), sync_(sync) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) throw std::system_error(ec, "cannot create state folder " + dir_.string());
    // Paths of the files being sent are nobody else's business.
    std::filesystem::permissions(dir_, std::filesystem::perms::owner_all, ec);
    if (::access(dir_.c_str(), W_OK) != 0)
        throw std::system_error(errno, std::generic_category(),
                                "cannot write to state folder " + dir_.string());
    dir_fd_.reset(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd_)
        throw std::system_error(errno, std::generic_category(),
                                "cannot open state folder " + dir_.string());
    lock_.emplace(dir_, "state folder");
}

bool OutgoingState::sync_folder() const {
    return !syncs() || ::fsync(dir_fd_.get()) == 0;
}

std::filesystem::path OutgoingState::file_for(const proto::TransferId& id) const {
    return dir_ / (proto::to_hex(id) + std::string(kSuffix));
}

bool OutgoingState::save(const SavedTransfer& t) const {
    const auto bytes = encode_saved_transfer(t);
    const auto file = file_for(t.offer.id);
    auto next = file;
    next += ".next";
    UniqueFd fd(::open(next.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    bool ok = static_cast<bool>(fd);
    if (ok)
        ok = ::write(fd.get(), bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    if (ok && syncs()) ok = ::fdatasync(fd.get()) == 0;
    if (ok) ok = ::rename(next.c_str(), file.c_str()) == 0;
    if (ok) ok = sync_folder();
    if (!ok) {
        spdlog::warn("cannot write {}: {}; the transfer will not survive a restart", file.string(),
                     std::strerror(errno));
        ::unlink(next.c_str());
    }
    return ok;
}

void OutgoingState::remove(const proto::TransferId& id) const {
    // A removal the disk never got sends the file again after a power cut: a copy, not a
    // loss, so a failure here is only a warning.
    if (::unlink(file_for(id).c_str()) == 0 && !sync_folder())
        spdlog::warn("cannot sync state folder {}: {}", dir_.string(), std::strerror(errno));
}

std::vector<SavedTransfer> OutgoingState::load() const {
    std::vector<SavedTransfer> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
        const auto& file = entry.path();
        if (file.extension() != kSuffix) continue;
        std::ifstream in(file, std::ios::binary);
        std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
        try {
            out.push_back(decode_saved_transfer(bytes));
        } catch (const std::runtime_error& e) {
            spdlog::warn("{} is not a transfer streamd can pick up ({}); removed", file.string(),
                         e.what());
            std::filesystem::remove(file, ec);
        }
    }
    return out;
}

} // namespace streamd

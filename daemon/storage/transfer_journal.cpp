#include "storage/transfer_journal.hpp"

#include "byte_order.hpp"
#include "digest.hpp"

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace streamd {

namespace {

constexpr std::array<uint8_t, 4> kMagic = {0xC5, 'S', 'T', 'J'};
constexpr uint16_t kJournalVersion = 1;
// magic, version, header length; then the OFFER body; then the checksum.
constexpr size_t kHeaderFixed = 8;
constexpr size_t kChecksumSize = 8;
// A journal holds at most a few records per chunk (a chunk is recorded again only when
// it was found damaged on a resume); anything much larger is not one of ours.
constexpr uint64_t kMaxSlotsPerChunk = 4;

uint64_t checksum(std::span<const uint8_t> bytes) {
    // Never 0, so that a slot of zero bytes (a gap left by a crash) cannot check out.
    return proto::chunk_digest(bytes) | 1;
}

void write_all(int fd, std::span<const uint8_t> bytes, uint64_t offset) {
    while (!bytes.empty()) {
        ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            throw std::system_error(n < 0 ? errno : ENOSPC, std::generic_category(),
                                    "cannot write the journal");
        bytes = bytes.subspan(static_cast<size_t>(n));
        offset += static_cast<uint64_t>(n);
    }
}

} // namespace

std::vector<uint8_t> encode_journal_header(const proto::Offer& offer) {
    const auto body = proto::encode_offer_body(offer);
    std::vector<uint8_t> out;
    proto::Writer w(out);
    w.bytes(kMagic);
    w.u16(kJournalVersion);
    w.u16(static_cast<uint16_t>(kHeaderFixed + body.size() + kChecksumSize));
    w.bytes(body);
    w.u64(checksum(out));
    return out;
}

std::array<uint8_t, kJournalRecordSize> encode_journal_record(const JournalEntry& entry) {
    std::vector<uint8_t> out;
    proto::Writer w(out);
    w.u64(entry.index);
    w.u64(entry.digest);
    w.u64(checksum(out));
    std::array<uint8_t, kJournalRecordSize> record{};
    std::copy(out.begin(), out.end(), record.begin());
    return record;
}

JournalContents parse_journal(std::span<const uint8_t> bytes) {
    JournalContents c;
    if (bytes.size() < kHeaderFixed) throw JournalError("the journal is too short for a header");
    proto::Reader r(bytes);
    auto magic = r.bytes(kMagic.size());
    if (!std::equal(magic.begin(), magic.end(), kMagic.begin()))
        throw JournalError("the journal does not start with the journal magic");
    if (uint16_t v = r.u16(); v != kJournalVersion)
        throw JournalError("the journal has version " + std::to_string(v) + ", not " +
                           std::to_string(kJournalVersion));
    const size_t header_size = r.u16();
    if (header_size < kHeaderFixed + kChecksumSize || header_size > bytes.size())
        throw JournalError("the journal header is truncated");
    auto header = bytes.first(header_size - kChecksumSize);
    proto::Reader sum(bytes.subspan(header.size(), kChecksumSize));
    if (sum.u64() != checksum(header)) throw JournalError("the journal header is damaged");
    try {
        c.offer = proto::decode_offer(header.subspan(kHeaderFixed));
    } catch (const proto::FrameError& e) {
        throw JournalError(std::string("the journal's offer does not decode: ") + e.what());
    }

    c.header_size = header_size;
    auto records = bytes.subspan(header_size);
    c.slots = (records.size() + kJournalRecordSize - 1) / kJournalRecordSize;
    const uint64_t chunks = c.offer.chunk_count();
    if (c.slots > kMaxSlotsPerChunk * chunks + 1)
        throw JournalError("the journal holds more records than its file has chunks");
    for (size_t at = 0; at + kJournalRecordSize <= records.size(); at += kJournalRecordSize) {
        auto record = records.subspan(at, kJournalRecordSize);
        proto::Reader rr(record);
        JournalEntry e{rr.u64(), rr.u64()};
        if (rr.u64() != checksum(record.first(16))) continue; // torn or never written
        if (e.index >= chunks)
            throw JournalError("the journal names chunk " + std::to_string(e.index) +
                               " of a file with " + std::to_string(chunks));
        c.entries.push_back(e);
    }
    return c;
}

std::unique_ptr<TransferJournal> TransferJournal::create(UniqueFd fd, const proto::Offer& offer) {
    auto header = encode_journal_header(offer);
    write_all(fd.get(), header, 0);
    return std::make_unique<TransferJournal>(std::move(fd), header.size(), 0);
}

std::unique_ptr<TransferJournal> TransferJournal::open(UniqueFd fd, JournalContents& contents) {
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw std::system_error(errno, std::generic_category(), "cannot inspect the journal");
    // The header is bounded by the largest OFFER; records by the chunk limit.
    if (static_cast<uint64_t>(st.st_size) > (uint64_t{1} << 30))
        throw JournalError("the journal is larger than any journal can be");
    std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
    size_t have = 0;
    while (have < bytes.size()) {
        ssize_t n =
            ::pread(fd.get(), bytes.data() + have, bytes.size() - have, static_cast<off_t>(have));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0)
            throw std::system_error(errno, std::generic_category(), "cannot read the journal");
        if (n == 0) break;
        have += static_cast<size_t>(n);
    }
    bytes.resize(have);
    contents = parse_journal(bytes);
    return std::make_unique<TransferJournal>(std::move(fd), contents.header_size, contents.slots);
}

bool TransferJournal::record(const JournalEntry& entry) {
    uint64_t slot = next_slot_.fetch_add(1, std::memory_order_relaxed);
    try {
        write_all(fd_.get(), encode_journal_record(entry),
                  header_size_ + slot * kJournalRecordSize);
        return true;
    } catch (const std::system_error&) {
        return false;
    }
}

void TransferJournal::rename(const proto::Offer& offer) {
    write_all(fd_.get(), encode_journal_header(offer), 0);
}

} // namespace streamd

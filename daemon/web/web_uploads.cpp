#include "web/web_uploads.hpp"

#include "engine/random_bytes.hpp"
#include "file_name.hpp"
#include "size_units.hpp"
#include "transfer/transfer_log.hpp"
#include "web/upload_tree.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>

namespace streamd {

namespace {

namespace ws = proto::websocket;
namespace web = proto::web;

// The web error code for a refusal of the storage or the transfer.
std::string_view code_of(proto::ErrorCode code) {
    switch (code) {
    case proto::ErrorCode::BadName:
        return "name_invalid";
    case proto::ErrorCode::TooLarge:
        return "too_large";
    case proto::ErrorCode::Exists:
        return "file_exists";
    case proto::ErrorCode::Busy:
        return "busy";
    case proto::ErrorCode::DigestMismatch:
        return "digest_mismatch";
    case proto::ErrorCode::UnknownTransfer:
        return "unknown_id";
    case proto::ErrorCode::IoError:
        return "io_error";
    default:
        return "bad_request";
    }
}

const std::string kNoSuchUpload = "no such upload on this connection";

} // namespace

WebUploads::~WebUploads() {
    for (auto& [id, upload] : uploads_)
        transfers_.stream_left(*upload, peer_);
}

// ---- control messages ---------------------------------------------------------------

std::string WebUploads::start(const web::StartUpload& m) {
    proto::Offer offer;
    if (m.id) {
        offer.id = *m.id;
        if (uploads_.contains(offer.id))
            return web::error(offer.id, "bad_request", "this upload is going on already");
    } else {
        random_bytes(offer.id);
    }
    offer.stream_count = 1;
    offer.chunk_size = m.chunk_size;
    offer.size = m.size;
    offer.mode = 0644;
    // Unknown rather than the time now: a resume later must describe the same file.
    const auto time = web::file_time(m.mtime_ms);
    offer.mtime_sec = time.sec;
    offer.mtime_nsec = time.nsec;
    offer.digest = m.digest == web::ChunkDigest::Xxh32 ? proto::DigestAlgorithm::Xxh32
                                                       : proto::DigestAlgorithm::None;
    offer.name = m.name;
    if (auto problem = proto::name_problem(offer.name))
        return web::error(offer.id, "name_invalid", *problem);
    if (offer.chunk_count() > kMaxChunks)
        return web::error(offer.id, "too_large", "the file has too many chunks");
    std::optional<proto::TreeManifest> manifest;
    if (m.files) {
        auto tree = upload_tree(m);
        if (auto* problem = std::get_if<std::string>(&tree))
            return web::error(offer.id, "name_invalid", *problem);
        auto& made = std::get<UploadTree>(tree);
        offer.kind = proto::OfferKind::Tree;
        offer.mode = 0755;
        offer.manifest_length = made.length;
        offer.manifest_digest = made.digest;
        manifest = std::move(made.manifest);
    }
    std::shared_ptr<IncomingTransfer> t;
    try {
        t = manifest ? transfers_.accept_tree(offer, std::move(*manifest), peer_ + " (browser)")
                     : transfers_.accept_offer(offer, peer_ + " (browser)");
    } catch (const Refusal& r) {
        spdlog::info("web {}: upload of {} refused: {}", peer_, offer.name, r.message);
        return web::error(offer.id, code_of(r.code), r.message);
    }
    uploads_[offer.id] = t;
    return web::upload_ready(offer.id, offer.name, t->missing());
}

std::variant<std::string, WebUploads::Finishing> WebUploads::finish(const web::FinishUpload& m) {
    auto it = uploads_.find(m.id);
    if (it == uploads_.end()) return web::error(m.id, "unknown_id", kNoSuchUpload);
    const auto& t = it->second;
    if (!t->all_chunks_done()) return web::error(m.id, "bad_request", "chunks are missing still");
    std::optional<proto::FileDigest> digest;
    if (t->offer().digest != proto::DigestAlgorithm::None) digest = m.digest;
    try {
        return Finishing{m.id, digest, DurableCommit(t, m.digest.value_or(proto::FileDigest{}))};
    } catch (const Refusal& r) {
        return failed(m.id, failure_of(r.code), code_of(r.code), r.message);
    }
}

std::string WebUploads::finished(const Finishing& f) {
    const auto& t = f.commit.transfer();
    const std::string& stored = f.commit.stored();
    t->succeed(stored);
    log_transfer(spdlog::level::info, *t, "received {} ({}) from {}, stored as {}", t->name(),
                 proto::format_size(t->size()), peer_, stored);
    forget(f.id);
    return web::upload_complete(f.id, stored, t->size(), f.digest);
}

std::string WebUploads::finish_failed(const Finishing& f, const Refusal& r) {
    if (r.code == proto::ErrorCode::IoError)
        log_transfer(spdlog::level::err, *f.commit.transfer(), "cannot put {} in place: {}",
                     f.commit.transfer()->name(), r.message);
    return failed(f.id, failure_of(r.code), code_of(r.code), r.message);
}

std::shared_ptr<IncomingTransfer> WebUploads::last_written() const {
    auto it = uploads_.find(message_.chunk.id);
    return it == uploads_.end() ? nullptr : it->second;
}

std::optional<std::string> WebUploads::sync_failed(const IncomingTransfer& t, int error) {
    auto it = std::find_if(uploads_.begin(), uploads_.end(),
                           [&](const auto& u) { return u.second.get() == &t; });
    if (it == uploads_.end()) return std::nullopt;
    const std::string why = std::strerror(-error);
    log_transfer(spdlog::level::err, t, "cannot write {}: {}", t.name(), why);
    return failed(it->first, Failure::Storage, "io_error", "cannot write the file: " + why);
}

std::string WebUploads::cancel(const web::CancelUpload& m) {
    auto it = uploads_.find(m.id);
    if (it == uploads_.end()) return web::error(m.id, "unknown_id", kNoSuchUpload);
    auto t = it->second;
    if (t->cancel("canceled in the browser")) {
        log_transfer(spdlog::level::info, *t, "receiving {} from {} canceled in the browser",
                     t->name(), peer_);
        transfers_.close_transfer(t->id());
    }
    t->discard();
    forget(m.id);
    return web::upload_canceled(m.id);
}

std::string WebUploads::failed(const web::Id& id, Failure kind, std::string_view code,
                               const std::string& why) {
    if (auto it = uploads_.find(id); it != uploads_.end()) {
        transfers_.fail_incoming(*it->second, peer_, kind, why);
        forget(id);
    }
    return web::error(id, code, why);
}

void WebUploads::forget(const web::Id& id) {
    auto it = uploads_.find(id);
    if (it == uploads_.end()) return;
    transfers_.registry().forget_incoming(id);
    it->second->detach_stream();
    if (message_.upload == it->second.get()) message_.upload = nullptr;
    uploads_.erase(it);
}

// ---- chunk messages -----------------------------------------------------------------

void WebUploads::begin_message() {
    message_.header_have = 0;
    message_.size = 0;
    message_.upload = nullptr;
    message_.claimed = false;
    message_.answer.reset();
    message_.got = 0;
    message_.length = 0;
    message_.rest = {};
    message_.target.reset();
}

void WebUploads::frame(uint64_t payload_length) {
    if (payload_length > web::kMaxBinaryMessage - message_.size)
        throw Violation{ws::CloseCode::MessageTooBig,
                        "a binary message is larger than a chunk allows"};
    message_.size += payload_length;
}

std::optional<WebUploads::Write> WebUploads::piece(std::span<const uint8_t> bytes) {
    Message& m = message_;
    if (m.header_have < m.header.size()) {
        const size_t n = std::min(bytes.size(), m.header.size() - m.header_have);
        std::copy_n(bytes.begin(), n, m.header.begin() + static_cast<ptrdiff_t>(m.header_have));
        m.header_have += n;
        bytes = bytes.subspan(n);
        if (m.header_have < m.header.size()) return std::nullopt;
        header_complete();
    }
    if (bytes.empty()) return std::nullopt;
    if (m.got + bytes.size() > m.length && m.upload)
        throw Violation{ws::CloseCode::UnsupportedData,
                        "a chunk message carries more data than its chunk"};
    m.got += bytes.size();
    data_at_ = Clock::now();
    if (!m.upload || !m.claimed) return std::nullopt; // dropped
    if (m.upload->offer().digest != proto::DigestAlgorithm::None) m.hasher.update(bytes);
    if (!m.upload->tree()) return Write{m.upload->file(), m.offset + m.got - bytes.size(), bytes};
    m.rest = bytes;
    m.rest_at = m.offset + m.got - bytes.size();
    try {
        return tree_write();
    } catch (const Refusal& r) {
        m.upload->release_chunk(m.chunk.index);
        m.claimed = false;
        m.answer = failed(m.chunk.id, Failure::Storage, "io_error", r.message);
        return std::nullopt;
    }
}

WebUploads::Write WebUploads::tree_write() {
    Message& m = message_;
    const proto::Extent e = m.upload->extents(m.rest_at, m.rest.size()).front();
    if (!m.target || m.target_entry != e.entry) {
        m.target = m.upload->open_file(e.entry);
        m.target_entry = e.entry;
    }
    const Write w{m.target.get(), e.file_offset, m.rest.first(e.length)};
    m.rest = m.rest.subspan(e.length);
    m.rest_at += e.length;
    return w;
}

void WebUploads::header_complete() {
    Message& m = message_;
    m.chunk = web::decode_chunk_header(m.header);
    auto it = uploads_.find(m.chunk.id);
    if (it == uploads_.end()) {
        m.answer = web::error(m.chunk.id, "unknown_id", kNoSuchUpload);
        return;
    }
    IncomingTransfer& t = *it->second;
    const auto& offer = t.offer();
    if (m.chunk.index >= offer.chunk_count()) {
        m.answer = web::chunk_rejected(m.chunk.id, m.chunk.index, "no such chunk");
        return;
    }
    m.upload = &t;
    m.offset = m.chunk.index * offer.chunk_size;
    m.length = std::min<uint64_t>(offer.chunk_size, offer.size - m.offset);
    m.hasher.reset();
    m.claimed = t.claim_chunk(m.chunk.index);
    if (!m.claimed)
        m.answer = t.has_chunk(m.chunk.index)
                       ? web::chunk_received(m.chunk.id, m.chunk.index)
                       : web::chunk_rejected(m.chunk.id, m.chunk.index,
                                             "the chunk is being written already");
}

std::variant<std::monostate, WebUploads::Write, std::string> WebUploads::written(const Write& done,
                                                                                 int res) {
    Message& m = message_;
    if (!m.upload) return {}; // ended while the data was written
    if (res > 0 && static_cast<size_t>(res) < done.bytes.size()) {
        const auto n = static_cast<size_t>(res);
        return Write{done.file, done.offset + n, done.bytes.subspan(n)};
    }
    if (res > 0 && m.rest.empty()) return {};
    if (res > 0) {
        // The piece goes on in the folder's next file.
        try {
            return tree_write();
        } catch (const Refusal& r) {
            res = -EIO;
            spdlog::error("web {}: cannot write {}: {}", peer_, m.upload->name(), r.message);
        }
    }
    m.upload->release_chunk(m.chunk.index);
    m.claimed = false;
    m.answer.reset();
    return failed(
        m.chunk.id, Failure::Storage, res == -ENOSPC || res == -EDQUOT ? "no_space" : "io_error",
        std::string("cannot write the file: ") + (res == 0 ? "no progress" : std::strerror(-res)));
}

std::optional<std::string> WebUploads::end_message() {
    Message& m = message_;
    if (m.header_have < m.header.size())
        throw Violation{ws::CloseCode::UnsupportedData,
                        "a binary message shorter than a chunk header"};
    if (m.upload && m.got != m.length) {
        if (m.claimed) m.upload->release_chunk(m.chunk.index);
        m.claimed = false;
        throw Violation{ws::CloseCode::UnsupportedData,
                        "a chunk message carries less data than its chunk"};
    }
    if (m.answer) return std::exchange(m.answer, std::nullopt);
    if (!m.upload) return std::nullopt; // ended while the data came
    IncomingTransfer& t = *m.upload;
    std::optional<uint64_t> found;
    if (t.offer().digest != proto::DigestAlgorithm::None) found = m.hasher.digest();
    m.claimed = false;
    if (!t.chunk_written(m.chunk.index, m.chunk.digest, found, m.length))
        return web::chunk_rejected(m.chunk.id, m.chunk.index, "digest mismatch");
    return web::chunk_received(m.chunk.id, m.chunk.index);
}

// ---- ended from outside ---------------------------------------------------------------

bool WebUploads::carries(uint32_t id) const {
    return std::any_of(uploads_.begin(), uploads_.end(),
                       [id](const auto& u) { return u.second->id() == id; });
}

std::vector<std::string> WebUploads::ended_elsewhere() {
    std::vector<web::Id> ended;
    for (const auto& [id, upload] : uploads_)
        if (upload->finished()) ended.push_back(id);
    std::vector<std::string> answers;
    for (const auto& id : ended) {
        std::string why = uploads_[id]->error();
        forget(id);
        answers.push_back(web::error(id, "canceled", why.empty() ? "canceled" : why));
    }
    return answers;
}

std::vector<std::string> WebUploads::fail_stalled(Clock::time_point now, uint64_t idle) {
    // An upload that no data comes for holds its place among [limits] max_incoming; it
    // ends, and its partial file waits for a resume.
    std::vector<web::Id> stalled;
    for (const auto& [id, upload] : uploads_)
        if (upload->stalled(now, data_at_, idle)) stalled.push_back(id);
    std::vector<std::string> answers;
    for (const auto& id : stalled)
        answers.push_back(failed(id, Failure::Connection, "stalled",
                                 "nothing arrived for " + std::to_string(idle) + " s"));
    return answers;
}

} // namespace streamd

#include "web/tus_uploads.hpp"

#include "storage/partial_file.hpp"
#include "transfer/transfer_log.hpp"
#include "web/http_upload.hpp"

#include <cerrno>
#include <cstring>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace streamd {

namespace {

// How long a complete upload's URL still answers a HEAD.
constexpr auto kRememberComplete = std::chrono::hours(1);

// A partial upload is named after its id: nothing else can be, as a name from a client
// never is, and so it is told apart when its journal is read after a restart.
std::string part_name(const proto::TransferId& id) {
    return proto::to_hex(id) + ".part";
}

std::optional<proto::TransferId> parse_id(std::string_view text) {
    proto::TransferId id{};
    // Only the form the daemon hands out: one URL per upload.
    if (!proto::from_hex(text, id) || proto::to_hex(id) != text) return std::nullopt;
    return id;
}

// The offset the file holds from its start on, as its chunks say.
uint64_t contiguous_bytes(const IncomingTransfer& t) {
    const auto missing = t.missing();
    return missing.empty() ? t.size() : missing.front().offset;
}

} // namespace

struct TusUploads::Upload {
    proto::TransferId id{};
    uint64_t length = 0;
    std::string metadata;
    bool partial = false;
    std::vector<std::string> parts; // a final upload's, as URLs
    std::string peer;
    // While the upload is open: its transfer and offset.
    std::optional<UploadCursor> cursor;
    bool busy = false;
    Clock::time_point touched = Clock::now();
};

// ---- leases -----------------------------------------------------------------------------

TusUploads::Lease::~Lease() {
    if (upload_) uploads_->give_back(*upload_);
}

TusUploads::Lease::Lease(Lease&& other) noexcept
    : uploads_(other.uploads_), upload_(std::move(other.upload_)) {}

std::string TusUploads::Lease::id() const {
    return proto::to_hex(upload_->id);
}

uint64_t TusUploads::Lease::length() const {
    return upload_->length;
}

UploadCursor* TusUploads::Lease::cursor() {
    return upload_->cursor ? &*upload_->cursor : nullptr;
}

bool TusUploads::Lease::partial() const {
    return upload_->partial;
}

const std::string& TusUploads::Lease::metadata() const {
    return upload_->metadata;
}

std::string TusUploads::Lease::concat() const {
    if (upload_->partial) return "partial";
    if (upload_->parts.empty()) return {};
    std::string field = "final;" + upload_->parts.front();
    for (size_t i = 1; i < upload_->parts.size(); ++i)
        field += " " + upload_->parts[i];
    return field;
}

void TusUploads::Lease::stored(const std::string& name) {
    std::shared_ptr<IncomingTransfer> t;
    {
        // expire() looks at whether an upload is complete from the control thread.
        std::lock_guard lock(uploads_->mutex_);
        t = upload_->cursor->transfer();
        upload_->cursor.reset();
        upload_->busy = false;
    }
    uploads_->transfers_.stream_left(*t, upload_->peer);
    spdlog::debug("tus upload {} stored as {}", id(), name);
}

void TusUploads::give_back(Upload& upload) {
    std::lock_guard lock(mutex_);
    // What a request that did not finish wrote past the offset does not count.
    if (upload.cursor) upload.cursor->reject();
    upload.busy = false;
    upload.touched = Clock::now();
}

// ---- the uploads ------------------------------------------------------------------------

TusUploads::~TusUploads() {
    for (auto& [id, upload] : uploads_)
        if (upload->cursor) close(*upload, "the daemon stopped");
}

void TusUploads::close(Upload& upload, const std::string& why) {
    auto t = upload.cursor->transfer();
    upload.cursor.reset();
    // No request holds it, so no connection carries it: failing it is all there is to do.
    if (t->fail(Failure::Connection, why))
        log_transfer(spdlog::level::warn, *t, "receiving {} from {} failed: {}", t->name(),
                     upload.peer, why);
    transfers_.registry().forget_incoming(t->offer().id);
    transfers_.stream_left(*t, upload.peer);
}

TusUploads::Lease TusUploads::create(uint64_t length, const std::string& metadata, bool partial,
                                     const std::string& peer) {
    auto parsed = proto::tus::parse_metadata(metadata);
    auto name = parsed ? upload_name(*parsed) : std::nullopt;
    proto::Offer offer = http_offer(name.value_or("upload"), length);
    if (partial)
        offer.name = part_name(offer.id);
    else if (!name)
        offer.name = proto::to_hex(offer.id);
    auto upload = std::make_shared<Upload>();
    upload->id = offer.id;
    upload->length = length;
    upload->metadata = metadata;
    upload->partial = partial;
    upload->peer = peer + " (tus)";
    upload->cursor.emplace(transfers_.accept_offer(offer, upload->peer), 0);
    upload->busy = true;
    std::lock_guard lock(mutex_);
    uploads_.emplace(offer.id, upload);
    return Lease(*this, upload);
}

std::shared_ptr<TusUploads::Upload> TusUploads::reopen(const proto::TransferId& id,
                                                       const std::string& peer) {
    auto offer = kept_offer(transfers_.storage(), id);
    // Only what an upload over HTTP left: a PUT or a native transfer has no URL.
    if (!offer || offer->kind != proto::OfferKind::File ||
        offer->mtime_sec != proto::kMtimeUnknown || offer->digest != proto::DigestAlgorithm::None ||
        offer->stream_count != 1)
        return nullptr;
    auto upload = std::make_shared<Upload>();
    upload->id = id;
    upload->length = offer->size;
    upload->partial = offer->name == part_name(id);
    if (!upload->partial) upload->metadata = "filename " + proto::base64_encode(offer->name);
    upload->peer = peer + " (tus)";
    auto t = transfers_.accept_offer(*offer, upload->peer);
    uint64_t offset = contiguous_bytes(*t);
    // A whole file not yet in place gets its last chunk once more, whose arrival puts it
    // there: a client that hears it complete asks nothing more.
    if (!upload->partial && offset == offer->size && offer->size > 0)
        offset = (offer->chunk_count() - 1) * offer->chunk_size;
    upload->cursor.emplace(std::move(t), offset);
    uploads_.emplace(id, upload);
    return upload;
}

std::variant<TusUploads::Lease, TusUploads::Unavailable>
TusUploads::lease(std::string_view id_text, const std::string& peer) {
    auto id = parse_id(id_text);
    if (!id) return Unavailable{404, "no such upload"};
    std::unique_lock lock(mutex_);
    auto it = uploads_.find(*id);
    if (it != uploads_.end() && it->second->cursor) {
        Upload& upload = *it->second;
        auto t = upload.cursor->transfer();
        if (upload.busy) {
            lock.unlock();
            // The request holding it is most likely one whose client is gone.
            transfers_.close_transfer(t->id());
            return Unavailable{423, "another request is working on this upload"};
        }
        if (t->finished()) {
            // Canceled, or failed: what is kept of it is taken up afresh below.
            const bool canceled = t->state() == TransferState::Canceled;
            close(upload, t->error());
            uploads_.erase(it);
            it = uploads_.end();
            if (canceled) return Unavailable{410, "the upload was canceled: " + t->error()};
        }
    }
    if (it == uploads_.end()) {
        try {
            auto upload = reopen(*id, peer);
            if (!upload) return Unavailable{404, "no such upload"};
            it = uploads_.find(*id);
        } catch (const Refusal& r) {
            return Unavailable{status_of(r), r.message};
        }
    }
    it->second->busy = it->second->cursor.has_value();
    it->second->touched = Clock::now();
    return Lease(*this, it->second);
}

std::optional<TusUploads::Unavailable> TusUploads::terminate(std::string_view id_text,
                                                             const std::string& peer) {
    auto leased = lease(id_text, peer);
    if (auto* unavailable = std::get_if<Unavailable>(&leased)) return *unavailable;
    auto& lease = std::get<Lease>(leased);
    std::shared_ptr<Upload> upload = std::move(lease.upload_);
    std::lock_guard lock(mutex_);
    uploads_.erase(upload->id);
    if (!upload->cursor) return std::nullopt;
    auto t = upload->cursor->transfer();
    if (t->cancel("terminated by the client"))
        log_transfer(spdlog::level::info, *t, "{} terminated by the client", t->name());
    t->discard();
    close(*upload, {});
    return std::nullopt;
}

TusUploads::Lease TusUploads::concatenate(const std::vector<std::string>& urls,
                                          const std::string& metadata, const std::string& peer) {
    std::vector<Lease> parts;
    uint64_t total = 0;
    for (const auto& url : urls) {
        const size_t at = url.rfind(kUploadsPath);
        auto leased =
            lease(at == std::string::npos ? std::string_view()
                                          : std::string_view(url).substr(at + kUploadsPath.size()),
                  peer);
        if (auto* unavailable = std::get_if<Unavailable>(&leased))
            throw Refusal{proto::ErrorCode::BadFrame, url + ": " + unavailable->why};
        auto& part = std::get<Lease>(leased);
        if (!part.partial())
            throw Refusal{proto::ErrorCode::BadFrame, url + " is not a partial upload"};
        if (!part.cursor()->complete())
            throw Refusal{proto::ErrorCode::BadFrame, url + " is not complete"};
        total += part.length();
        parts.push_back(std::move(part));
    }
    Lease final = create(total, metadata, false, peer);
    final.upload_->parts = urls;
    UploadCursor& cursor = *final.cursor();
    for (auto& part : parts) {
        // In the kernel, from file to file: nothing passes through here.
        const int in = part.cursor()->transfer()->file();
        loff_t from = 0;
        auto to = static_cast<loff_t>(cursor.written_end());
        for (uint64_t left = part.length(); left > 0;) {
            ssize_t n = ::copy_file_range(in, &from, cursor.transfer()->file(), &to, left, 0);
            if (n <= 0) {
                const std::string why =
                    std::string("cannot join the parts: ") +
                    (n == 0 ? "a part is shorter than it was" : std::strerror(errno));
                cursor.transfer()->discard();
                transfers_.fail_incoming(*cursor.transfer(), final.upload_->peer, Failure::Storage,
                                         why);
                throw Refusal{proto::ErrorCode::IoError, why};
            }
            left -= static_cast<uint64_t>(n);
            cursor.wrote(static_cast<uint64_t>(n));
        }
    }
    // The parts are in the final upload now.
    for (auto& part : parts) {
        std::shared_ptr<Upload> upload = std::move(part.upload_);
        auto t = upload->cursor->transfer();
        t->discard();
        t->succeed("joined into " + cursor.transfer()->name());
        std::lock_guard lock(mutex_);
        uploads_.erase(upload->id);
        close(*upload, {});
    }
    return final;
}

void TusUploads::expire(Clock::time_point now, uint64_t idle) {
    std::lock_guard lock(mutex_);
    for (auto it = uploads_.begin(); it != uploads_.end();) {
        Upload& upload = *it->second;
        const auto quiet = now - upload.touched;
        bool gone = false;
        if (!upload.cursor) {
            gone = quiet >= kRememberComplete;
        } else if (!upload.busy) {
            if (upload.cursor->transfer()->finished()) {
                close(upload, {});
                gone = true;
            } else if (idle != 0 && quiet >= std::chrono::seconds(idle)) {
                close(upload, "no request came for " + std::to_string(idle) +
                                  " s; the partial file waits for a resume");
                gone = true;
            }
        }
        it = gone ? uploads_.erase(it) : std::next(it);
    }
}

std::optional<std::string> upload_name(const std::map<std::string, std::string>& metadata) {
    for (const char* key : {"filename", "name"})
        if (auto it = metadata.find(key); it != metadata.end() && !it->second.empty())
            return it->second;
    return std::nullopt;
}

} // namespace streamd

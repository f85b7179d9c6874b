// The daemon's resumable uploads (tus 1.0.0, docs/HTTP.md): each an incoming transfer
// that lives from one request to the next at an exact offset. A request leases its
// upload for as long as it works on it, so that no two requests write one file; an upload
// no request comes for within the idle timeout lets go of its transfer, which keeps its
// partial file, and the next request takes it up again from there, as it does after a
// restart. Any thread.
#pragma once

#include "transfer/transfers.hpp"
#include "tus_headers.hpp"
#include "web/upload_cursor.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd {

// Where uploads are created; each has its URL under it.
inline constexpr std::string_view kUploadsPath = "/uploads/";

class TusUploads {
public:
    using Clock = std::chrono::steady_clock;

    explicit TusUploads(Transfers& transfers) : transfers_(transfers) {}
    // Lets go of every upload still open: their partial files stay for a resume.
    ~TusUploads();
    TusUploads(const TusUploads&) = delete;
    TusUploads& operator=(const TusUploads&) = delete;

    struct Upload;

    // An upload held by one request; given back when it goes.
    class Lease {
    public:
        Lease(TusUploads& uploads, std::shared_ptr<Upload> upload)
            : uploads_(&uploads), upload_(std::move(upload)) {}
        ~Lease();
        Lease(Lease&& other) noexcept;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;

        std::string id() const;
        uint64_t length() const;
        // Where the file stands; none once the upload is complete.
        UploadCursor* cursor();
        bool partial() const;
        // Upload-Metadata and Upload-Concat as a HEAD answers them; empty when there are none.
        const std::string& metadata() const;
        std::string concat() const;
        // The file is in place, stored as `name`: the upload is complete.
        void stored(const std::string& name);

    private:
        friend class TusUploads;
        TusUploads* uploads_;
        std::shared_ptr<Upload> upload_;
    };

    // A new upload of `length` bytes; `metadata` as sent, `partial` for one that a final
    // upload joins with others. Throws Refusal.
    Lease create(uint64_t length, const std::string& metadata, bool partial,
                 const std::string& peer);
    // A final upload: the complete partial uploads at `urls` (their paths end in the id),
    // joined in their order into a new file. Its cursor stands at the start with every byte
    // of the parts written: the caller accepts them and puts the file in place. Throws
    // Refusal; a part that is missing or not complete is a BadFrame refusal.
    Lease concatenate(const std::vector<std::string>& urls, const std::string& metadata,
                      const std::string& peer);

    // Why an upload cannot be leased: 404 unknown, 423 held by another request (which is
    // told to stop, so that a client resuming after a lost connection gets it soon).
    struct Unavailable {
        int status;
        std::string why;
    };
    // The upload `id` (as in its URL), taken up again from its partial file if no request
    // came for it lately.
    std::variant<Lease, Unavailable> lease(std::string_view id, const std::string& peer);
    // Ends the upload and removes its partial file (termination); nothing when it is gone.
    std::optional<Unavailable> terminate(std::string_view id, const std::string& peer);

    // Lets go of uploads no request came for in `idle` seconds (their partial files stay),
    // and forgets complete ones after an hour. Control thread, about once a second.
    void expire(Clock::time_point now, uint64_t idle);

private:
    void give_back(Upload& upload);
    // Takes the upload's transfer out of the daemon's hands: it fails for `why` when
    // unfinished, and lets go of its partial file.
    void close(Upload& upload, const std::string& why);
    std::shared_ptr<Upload> reopen(const proto::TransferId& id, const std::string& peer);

    Transfers& transfers_;
    std::mutex mutex_;
    std::map<proto::TransferId, std::shared_ptr<Upload>> uploads_;
};

// The metadata value a file name is sent under ("filename", or Uppy's "name"); none
// when neither is there.
std::optional<std::string> upload_name(const std::map<std::string, std::string>& metadata);

} // namespace streamd

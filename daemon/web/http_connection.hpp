// A browser's connection on the daemon's port (docs/HTTP.md): request heads parsed as they
// arrive, one request at a time, answered with the page, the JSON API or a received file,
// which travels from the page cache to the socket through a pipe, as chunks do; or taking
// an upload, a file PUT or a tus request, whose body travels from the socket through a
// pipe into the partial file.
#pragma once

#include "config/secret_key.hpp"
#include "engine/connection.hpp"
#include "engine/file_to_socket.hpp"
#include "engine/socket_to_file.hpp"
#include "engine/sync_group.hpp"
#include "http_request.hpp"
#include "port/arrival.hpp"
#include "transfer/chunk_syncer.hpp"
#include "transfer/durable_commit.hpp"
#include "transfer/transfers.hpp"
#include "tus_headers.hpp"
#include "web/http_response.hpp"
#include "web/http_upload.hpp"
#include "web/metrics_text.hpp"
#include "web/tus_uploads.hpp"
#include "web/upload_cursor.hpp"

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace streamd {

class HttpConnection : public Connection {
public:
    // The first request head is timed from the accept.
    HttpConnection(Worker& worker, Transfers& transfers, TusUploads& tus,
                   const MetricsSource& metrics, Arrival arrival);

    void start() override;
    void internal_error(const std::string& what) override;
    uint32_t transfer_id() const override { return cursor_ ? cursor_->transfer()->id() : 0; }
    void cancel() override;
    void check_time(Clock::time_point now) override;

private:
    enum class Phase { Head, Body, Responding, Ending };

    void read_more();
    void on_recv(int res) override;
    void parse_head();
    void handle(const proto::http::Request& request);
    void serve_asset(std::string_view name);
    // Hands the socket to a WebSession once the 101 is decided.
    void upgrade(const proto::http::Request& request, bool needs_key);
    // Whether the request carries the cookie that proves the key (docs/WEBSOCKET.md).
    static bool has_token(const proto::http::Request& request, const SecretKey& key);
    void serve_file(const proto::http::Request& request, std::string_view encoded_name);

    // A PUT of /files/NAME: the body goes into a partial file, which is put in place once
    // it has all arrived.
    void take_file(const proto::http::Request& request, std::string_view encoded_name);

    // The tus endpoints under /uploads/ (tus_requests.cpp).
    void tus_request(const proto::http::Request& request, std::string_view id);
    void tus_options();
    void tus_create(const proto::http::Request& request);
    void tus_concatenate(const proto::http::Request& request, const proto::tus::Concat& concat);
    void tus_head(std::string_view id);
    void tus_patch(const proto::http::Request& request, std::string_view id);
    void tus_delete(std::string_view id);
    // Every tus answer carries Tus-Resumable; an upload's its Upload-Expires too.
    ResponseHead tus_head_of(int status) const;
    void tus_refuse(int status, std::string_view why, bool close);
    void add_expiry(ResponseHead& head) const;
    // A checksum the body must match (Upload-Checksum): 400 and false when there is one
    // the daemon cannot check.
    bool take_checksum(const proto::http::Request& request);

    // A request body of `length` bytes into `cursor`'s file; the answer follows once it is
    // in, and the file is put in place once it is whole.
    void take_body(UploadCursor& cursor, uint64_t length, const proto::http::Request& request);
    void next_piece();
    void on_socket_read(int res) override;
    void on_file_write(int res) override;
    void piece_step(Step step);
    void accept_written();
    void body_done();
    void on_chunk_sync(int res) override;
    void commit_step();
    void on_commit_sync(int res) override;
    // The body is in (and the file in place as `stored`, if it is whole): the answer.
    void uploaded(const std::string& stored);
    // The upload failed here: answers `status` with `why` and closes.
    void upload_failed(int status, Failure kind, const std::string& why);

    // A response whose body, if any, goes out with its head. `close` ends the connection
    // after it; a HEAD request gets the head alone.
    void respond(const ResponseHead& head, std::string_view body, bool close = false);
    // A one-line text body saying why.
    void refuse(int status, std::string_view why, bool close);
    void refuse(ResponseHead head, std::string_view why, bool close);
    void on_send(int res) override;
    void response_done();
    void next_request();

    void on_file_read(int res) override;
    void on_socket_write(int res) override;
    void on_pause(int res) override;
    void body_step(Step step);

    // After the last response: lingers, so that what the client sent and the daemon did
    // not read cannot turn the close into a reset that destroys the response.
    void end();
    void drop(std::string_view why);

    Transfers& transfers_;
    TusUploads& tus_;
    const MetricsSource& metrics_;
    std::string peer_;
    Admission admission_;
    bool peer_on_loopback_;
    bool plain_refused_;

    Phase phase_ = Phase::Head;
    std::array<uint8_t, proto::http::kMaxHead> in_{};
    size_t have_ = 0;
    proto::http::RequestParser parser_;
    // Since when the current request head has been coming, or the connection idle.
    Clock::time_point waiting_since_;
    bool first_request_ = true;
    bool head_only_ = false;
    bool close_after_ = false;
    size_t request_size_ = 0; // the head being answered, dropped from in_ once done
    std::string log_line_;

    // A file body: the range to send once the head is out.
    UniqueFd file_;
    uint64_t body_offset_ = 0;
    uint64_t body_length_ = 0;
    bool body_pending_ = false;
    FileToSocket body_{*this};

    // An upload's body: where it goes (the PUT's file, or the tus upload leased for the
    // request), what is left of it, the piece being moved, and the steps after it.
    std::unique_ptr<HttpUpload> upload_;
    std::optional<TusUploads::Lease> lease_;
    UploadCursor* cursor_ = nullptr;
    uint64_t body_left_ = 0;
    enum class BodyOf { Put, TusCreation, TusPatch } body_of_ = BodyOf::Put;
    std::optional<std::vector<uint8_t>> checksum_; // SHA-1 the body must have
    std::optional<UploadCursor::Piece> piece_;
    SocketToFile piece_data_{*this};
    ChunkSyncer chunk_syncer_{*this};
    std::optional<DurableCommit> commit_;
    SyncGroup commit_sync_{*this, Op::CommitSync};
};

} // namespace streamd

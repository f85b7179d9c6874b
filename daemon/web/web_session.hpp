// A browser's WebSocket connection (docs/WEBSOCKET.md): frames parsed in place as they
// arrive, the key proved, JSON control messages, uploads (WebUploads) whose chunk data is
// unmasked in place and written to the partial file piece by piece, and downloads whose
// chunks go out from the page cache through a pipe.
#pragma once

#include "auth_proof.hpp"
#include "digest.hpp"
#include "engine/connection.hpp"
#include "engine/file_to_socket.hpp"
#include "engine/sync_group.hpp"
#include "port/admission.hpp"
#include "transfer/chunk_syncer.hpp"
#include "transfer/transfers.hpp"
#include "web/web_uploads.hpp"
#include "web_messages.hpp"
#include "websocket_frame.hpp"
#include "websocket_message.hpp"

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd {

class WebSession : public Connection {
public:
    // `response`: the 101 that accepts the upgrade, sent first; `received`: what the client
    // sent after its request head.
    WebSession(Worker& worker, Transfers& transfers, std::unique_ptr<Transport> wire,
               std::string peer, Admission admission, bool needs_key, std::string response,
               std::span<const uint8_t> received);
    ~WebSession() override;

    void start() override;
    void internal_error(const std::string& what) override;
    uint32_t transfer_id() const override { return 0; }
    bool carries(uint32_t id) const override;
    void cancel() override;
    void check_time(Clock::time_point now) override;

private:
    struct Download {
        UniqueFd file;
        std::string name;
        uint64_t size = 0;
        uint32_t chunk_size = 0;
    };

    void read_more();
    void on_recv(int res) override;
    // Works through what has been received until it needs more or waits for a write.
    void process();
    bool begin_frame();
    void end_frame();
    void on_message(const proto::websocket::Message& m);
    void on_text(std::string_view text);

    void on_auth(const proto::web::Auth& m);
    void on_request_download(const proto::web::RequestDownload& m);
    void on_request_chunk(const proto::web::RequestChunk& m);
    void on_end_download(const proto::web::EndDownload& m);

    // Binary messages, chunks of an upload: their data goes to the file a piece at a
    // time, and nothing more is read from in_ while a piece is being written.
    void write(const WebUploads::Write& w);
    void on_file_write(int res) override;
    void on_chunk_sync(int res) override;
    // Files being put in place, one sync at a time, answered in the order they finished.
    void on_finish_upload(const proto::web::FinishUpload& m);
    void finish_step();
    void on_commit_sync(int res) override;

    void send_text(const std::string& text);
    // A whole frame; held while a download chunk's frame is going out.
    void send_frame_bytes(std::vector<uint8_t> frame);
    void next_download_chunk();
    void on_file_read(int res) override;
    void on_socket_write(int res) override;
    void on_pause(int res) override;
    void on_send(int res) override;

    // Fails the connection (RFC 6455 7.1.7): a close frame with `code`, then the close.
    void fail(proto::websocket::CloseCode code, std::string_view why);
    void close_with(uint16_t code, std::string_view why);

    Transfers& transfers_;
    std::string peer_;
    Admission admission_;
    std::optional<proto::AuthNonce> nonce_; // until the client has proved the key
    std::string response_;

    std::vector<uint8_t> in_;
    size_t have_ = 0; // bytes in in_
    size_t pos_ = 0;  // bytes of in_ dealt with
    proto::websocket::FrameRules rules_;
    proto::websocket::MessageAssembler assembler_;
    std::optional<proto::websocket::FrameHeader> frame_;
    uint64_t frame_left_ = 0;
    uint64_t frame_done_ = 0;
    bool frame_binary_ = false;
    bool binary_open_ = false;     // a binary message goes on in continuation frames
    std::vector<uint8_t> payload_; // a text or control frame's payload

    WebUploads uploads_{transfers_, peer_};
    // A write of chunk data to the file is in flight; nothing in in_ may move.
    bool writing_ = false;
    WebUploads::Write write_;
    ChunkSyncer chunk_syncer_{*this};
    std::deque<WebUploads::Finishing> finishing_; // the first one's sync is in flight
    SyncGroup commit_sync_{*this, Op::CommitSync};

    std::map<proto::web::Id, Download> downloads_;
    std::deque<proto::web::RequestChunk> chunk_requests_;
    // A download chunk's frame is going out: other messages wait, so as not to land
    // inside it.
    bool chunk_pending_ = false; // its head is queued, its data follows
    bool chunk_sending_ = false;
    std::vector<std::vector<uint8_t>> held_;
    FileToSocket body_{*this};
    int body_file_ = -1;
    uint64_t body_offset_ = 0;
    uint64_t body_length_ = 0;

    bool closing_handshake_ = false; // our close frame is queued or out
    bool pinged_ = false;
    Clock::time_point received_at_ = Clock::now();
};

} // namespace streamd

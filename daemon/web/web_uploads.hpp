// The uploads that one WebSocket session carries (docs/WEBSOCKET.md): starting, finishing
// and canceling them, and the chunk message coming in, whose data is checked and hashed
// on its way to the partial file. It does no I/O: the session sends the messages it
// returns, writes the data it hands out and runs the syncs it asks for.
#pragma once

#include "digest.hpp"
#include "transfer/durable_commit.hpp"
#include "transfer/incoming_transfer.hpp"
#include "transfer/transfers.hpp"
#include "unique_fd.hpp"
#include "web_messages.hpp"
#include "websocket_frame.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace streamd {

class WebUploads {
public:
    using Clock = std::chrono::steady_clock;

    // The client broke the protocol; the session fails the connection with this.
    struct Violation {
        proto::websocket::CloseCode code;
        std::string reason;
    };
    // Chunk data for the partial file; `bytes` points into the session's buffer.
    struct Write {
        int file = -1;
        uint64_t offset = 0;
        std::span<const uint8_t> bytes;
    };

    WebUploads(Transfers& transfers, const std::string& peer)
        : transfers_(transfers), peer_(peer) {}
    // Every upload still held loses this stream.
    ~WebUploads();
    WebUploads(const WebUploads&) = delete;
    WebUploads& operator=(const WebUploads&) = delete;

    // An upload whose file is being put in place: the session runs the syncs its commit
    // asks for, then hands it back to finished(), or to finish_failed() with what a step
    // threw.
    struct Finishing {
        proto::web::Id id{};
        std::optional<proto::FileDigest> digest;
        DurableCommit commit;
    };
    // The control messages; each returns the answer, except a finish that is under way.
    std::string start(const proto::web::StartUpload& m);
    std::variant<std::string, Finishing> finish(const proto::web::FinishUpload& m);
    std::string finished(const Finishing& f);
    std::string finish_failed(const Finishing& f, const Refusal& r);
    std::string cancel(const proto::web::CancelUpload& m);

    // The upload whose chunk the last binary message carried, if it goes on.
    std::shared_ptr<IncomingTransfer> last_written() const;
    // A sync of `t`'s chunks failed with `error` (-errno): the answer, if `t` is still
    // one of this session's uploads.
    std::optional<std::string> sync_failed(const IncomingTransfer& t, int error);

    // A binary message, one chunk, from its first frame (begin_message) through each
    // frame's length and payload to its end. Each throws Violation.
    void begin_message();
    void frame(uint64_t payload_length);
    std::optional<Write> piece(std::span<const uint8_t> bytes);
    // The write of `done` came back with `res`: the rest to write, the answer when the
    // write failed, or nothing when it is all written.
    std::variant<std::monostate, Write, std::string> written(const Write& done, int res);
    std::optional<std::string> end_message();

    bool carries(uint32_t id) const;
    // The answers for uploads that ended elsewhere (canceled with streamctl).
    std::vector<std::string> ended_elsewhere();
    // Fails the uploads no data came for in `idle` seconds, keeping their partial files
    // for a resume; returns the answers.
    std::vector<std::string> fail_stalled(Clock::time_point now, uint64_t idle);

private:
    // The binary message being received: its chunk header, then its data.
    struct Message {
        std::array<uint8_t, proto::web::kChunkHeaderSize> header{};
        size_t header_have = 0;
        uint64_t size = 0; // bytes of the message so far
        proto::web::ChunkHeader chunk{};
        IncomingTransfer* upload = nullptr; // null: the data is dropped
        bool claimed = false;
        std::optional<std::string> answer; // for a chunk not written: what to say at its end
        uint64_t offset = 0;               // file offset of the chunk
        uint64_t length = 0;               // its length
        uint64_t got = 0;                  // data bytes so far
        proto::Xxh32Hasher hasher;
        // Of a folder: what is left of the piece being written, where it lies in the
        // folder's data, and the file written to.
        std::span<const uint8_t> rest;
        uint64_t rest_at = 0;
        UniqueFd target;
        size_t target_entry = 0;
    };

    void header_complete();
    // The next write of `rest`, into the file of the folder it falls on; throws Refusal.
    Write tree_write();
    // Ends an upload that failed: fails its transfer; returns what to tell the client.
    std::string failed(const proto::web::Id& id, Failure kind, std::string_view code,
                       const std::string& why);
    void forget(const proto::web::Id& id);

    Transfers& transfers_;
    const std::string& peer_;
    std::map<proto::web::Id, std::shared_ptr<IncomingTransfer>> uploads_;
    Message message_;
    Clock::time_point data_at_ = Clock::now(); // chunk data last arrived
};

} // namespace streamd

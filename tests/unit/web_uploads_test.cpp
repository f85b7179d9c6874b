// A WebSocket session's uploads without the session: chunk messages go in as the frame
// reader would hand them over, and what WebUploads answers and asks to write is checked
// against a real storage folder.
#include "config/live_settings.hpp"
#include "digest.hpp"
#include "json_value.hpp"
#include "storage/storage.hpp"
#include "temp_dir.hpp"
#include "transfer/transfers.hpp"
#include "web/web_uploads.hpp"

#include <cerrno>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <unistd.h>

namespace streamd {
namespace {

namespace web = proto::web;
namespace fs = std::filesystem;

// The daemon around the uploads, as far as they ask for it: a real registry, storage
// and settings, and a record of the transfers whose streams were to be closed.
class TestTransfers final : public Transfers {
public:
    explicit TestTransfers(const fs::path& incoming)
        : settings_(Config{}), tls_(plain(), settings_), storage_(storage_config(incoming)) {}

    TransferRegistry& registry() override { return registry_; }
    const Storage& storage() const override { return storage_; }
    const LiveSettings& settings() const override { return settings_; }
    const TlsContexts& tls() const override { return tls_; }
    RateLimit& send_limit() override { return send_limit_; }
    std::shared_ptr<IncomingTransfer> accept_offer(const proto::Offer& offer,
                                                   const std::string& peer) override {
        auto t = std::make_shared<IncomingTransfer>(registry_.next_id(), offer, peer, storage_,
                                                    std::nullopt);
        t->attach_stream();
        registry_.add_incoming(offer.id, t);
        return t;
    }
    std::shared_ptr<IncomingTransfer> accept_tree(const proto::Offer&, proto::TreeManifest,
                                                  const std::string&) override {
        return nullptr;
    }
    void serve_pull(const proto::Pull&, const sockaddr*) override {}
    void close_transfer(uint32_t id) override { closed.push_back(id); }
    void start_streams(const std::shared_ptr<OutgoingTransfer>&, uint16_t, uint16_t) override {}
    void let_streams_join(const std::shared_ptr<OutgoingTransfer>&) override {}
    void streams_gone(std::shared_ptr<OutgoingTransfer>) override {}
    void send_cancel_notice(std::shared_ptr<OutgoingTransfer>) override {}
    void on_control_thread(std::function<void()> task) override { task(); }

    std::vector<uint32_t> closed;

private:
    RateLimit send_limit_;
    static Config plain() {
        Config c;
        c.tls.mode = TlsMode::Off;
        return c;
    }
    static Config::Storage storage_config(const fs::path& incoming) {
        Config::Storage c;
        c.incoming = incoming;
        c.reserve = 0;
        return c;
    }

    LiveSettings settings_;
    TlsContexts tls_;
    Storage storage_;
    TransferRegistry registry_;
};

constexpr uint32_t kChunk = 64 * 1024;

class WebUploadsTest : public ::testing::Test {
protected:
    WebUploadsTest() : transfers_(tmp_.path() / "incoming"), uploads_(transfers_, peer_) {
        id_.fill(0x42);
        for (size_t i = 0; i < data_.size(); ++i)
            data_[i] = static_cast<uint8_t>(i * 7 + 1);
    }

    proto::JsonValue start(web::ChunkDigest digest = web::ChunkDigest::Xxh32) {
        web::StartUpload m;
        m.name = "photo.jpg";
        m.size = data_.size();
        m.chunk_size = kChunk;
        m.digest = digest;
        m.id = id_;
        return proto::parse_json(uploads_.start(m));
    }

    // Finishes as the session does, running here the syncs the commit asks for.
    std::string finish(const web::FinishUpload& m) {
        auto started = uploads_.finish(m);
        if (auto* answer = std::get_if<std::string>(&started)) return *answer;
        auto& f = std::get<WebUploads::Finishing>(started);
        try {
            for (int fd; (fd = f.commit.pending_sync()) >= 0;)
                f.commit.synced(::fsync(fd) == 0 ? 0 : -errno);
        } catch (const Refusal& r) {
            return uploads_.finish_failed(f, r);
        }
        return uploads_.finished(f);
    }

    std::span<const uint8_t> chunk(uint64_t index) const {
        const uint64_t offset = index * kChunk;
        return std::span(data_).subspan(offset, std::min<uint64_t>(kChunk, data_.size() - offset));
    }

    // One chunk message as the frame reader hands it over: the header and the data in
    // pieces of `piece` bytes, every write asked for done in full. The answer, and the
    // bytes written where.
    std::optional<std::string> send_chunk(uint64_t index, uint32_t digest, size_t piece = 10000) {
        const auto header = web::encode_chunk_header({id_, index, digest});
        std::vector<uint8_t> message(header.begin(), header.end());
        auto bytes = chunk(index);
        message.insert(message.end(), bytes.begin(), bytes.end());
        uploads_.begin_message();
        uploads_.frame(message.size());
        for (size_t at = 0; at < message.size(); at += piece) {
            auto part = std::span(message).subspan(at, std::min(piece, message.size() - at));
            if (auto w = uploads_.piece(part)) {
                EXPECT_EQ(::pwrite(w->file, w->bytes.data(), w->bytes.size(),
                                   static_cast<off_t>(w->offset)),
                          static_cast<ssize_t>(w->bytes.size()));
                auto next = uploads_.written(*w, static_cast<int>(w->bytes.size()));
                EXPECT_TRUE(std::holds_alternative<std::monostate>(next));
            }
        }
        return uploads_.end_message();
    }

    static std::string type_of(const std::string& answer) {
        return proto::parse_json(answer).at("type").as_string();
    }

    std::string read_received(const std::string& name) const {
        std::ifstream in(tmp_.path() / "incoming" / name, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }

    fixtures::TempDir tmp_{"streamd-web-uploads"};
    std::string peer_ = "127.0.0.1:5000";
    TestTransfers transfers_;
    WebUploads uploads_;
    web::Id id_{};
    std::vector<uint8_t> data_ = std::vector<uint8_t>(2 * kChunk + 1000);
};

TEST_F(WebUploadsTest, ChunksAreWrittenAtTheirOffsetsAndTheFileIsStoredWhole) {
    auto ready = start();
    ASSERT_EQ(ready.at("type").as_string(), "upload_ready") << ready.dump();
    std::vector<uint64_t> digests;
    for (uint64_t i : {2, 0, 1}) { // out of order: each lands at its own offset
        const uint32_t digest = proto::xxh32(chunk(i));
        auto answer = send_chunk(i, digest);
        ASSERT_TRUE(answer);
        EXPECT_EQ(type_of(*answer), "chunk_received") << *answer;
    }
    for (uint64_t i = 0; i < 3; ++i)
        digests.push_back(proto::xxh32(chunk(i)));
    auto done = proto::parse_json(finish({id_, proto::xxh32_file_digest(digests)}));
    ASSERT_EQ(done.at("type").as_string(), "upload_complete") << done.dump();
    EXPECT_EQ(read_received("photo.jpg"), std::string(data_.begin(), data_.end()));
}

TEST_F(WebUploadsTest, AChunkWhoseDigestDoesNotMatchIsRejectedAndMaySendAgain) {
    start();
    auto answer = send_chunk(0, proto::xxh32(chunk(0)) ^ 1);
    ASSERT_TRUE(answer);
    EXPECT_EQ(type_of(*answer), "chunk_rejected") << *answer;
    EXPECT_NE(answer->find("digest mismatch"), std::string::npos) << *answer;
    answer = send_chunk(0, proto::xxh32(chunk(0)));
    ASSERT_TRUE(answer);
    EXPECT_EQ(type_of(*answer), "chunk_received") << *answer;
}

TEST_F(WebUploadsTest, WithoutDigestsAnyChunkIsKept) {
    start(web::ChunkDigest::None);
    auto answer = send_chunk(1, 12345);
    ASSERT_TRUE(answer);
    EXPECT_EQ(type_of(*answer), "chunk_received") << *answer;
}

TEST_F(WebUploadsTest, AChunkForAnUnknownUploadIsAnsweredAndNothingIsWritten) {
    start();
    id_.fill(0x17);
    uploads_.begin_message();
    const auto header = web::encode_chunk_header({id_, 0, 0});
    std::vector<uint8_t> message(header.begin(), header.end());
    message.resize(message.size() + kChunk, 0xEE);
    uploads_.frame(message.size());
    EXPECT_FALSE(uploads_.piece(message));
    auto answer = uploads_.end_message();
    ASSERT_TRUE(answer);
    EXPECT_EQ(proto::parse_json(*answer).at("code").as_string(), "unknown_id") << *answer;
}

TEST_F(WebUploadsTest, MoreDataThanTheChunkHoldsBreaksTheProtocol) {
    start();
    const auto header = web::encode_chunk_header({id_, 2, 0}); // the last chunk: 1000 bytes
    std::vector<uint8_t> message(header.begin(), header.end());
    message.resize(message.size() + 1001, 0);
    uploads_.begin_message();
    uploads_.frame(message.size());
    try {
        uploads_.piece(message);
        FAIL() << "a chunk message longer than its chunk was taken";
    } catch (const WebUploads::Violation& v) {
        EXPECT_EQ(v.code, proto::websocket::CloseCode::UnsupportedData);
    }
}

TEST_F(WebUploadsTest, AMessageLargerThanAChunkMayBeIsRefusedByItsFrames) {
    uploads_.begin_message();
    EXPECT_THROW(uploads_.frame(web::kMaxBinaryMessage + 1), WebUploads::Violation);
}

TEST_F(WebUploadsTest, AFullDiskFailsTheUploadAndSaysSo) {
    start();
    const auto header = web::encode_chunk_header({id_, 0, proto::xxh32(chunk(0))});
    std::vector<uint8_t> message(header.begin(), header.end());
    auto bytes = chunk(0);
    message.insert(message.end(), bytes.begin(), bytes.end());
    uploads_.begin_message();
    uploads_.frame(message.size());
    auto w = uploads_.piece(message);
    ASSERT_TRUE(w);
    auto next = uploads_.written(*w, -ENOSPC);
    ASSERT_TRUE(std::holds_alternative<std::string>(next));
    auto error = proto::parse_json(std::get<std::string>(next));
    EXPECT_EQ(error.at("code").as_string(), "no_space") << error.dump();
    EXPECT_EQ(transfers_.closed.size(), 1u);
    // The upload is gone: finishing it is asking about an unknown one.
    auto after = proto::parse_json(finish({id_, std::nullopt}));
    EXPECT_EQ(after.at("code").as_string(), "unknown_id") << after.dump();
}

TEST_F(WebUploadsTest, AShortWriteAsksForTheRest) {
    start();
    const auto header = web::encode_chunk_header({id_, 1, 0});
    std::vector<uint8_t> message(header.begin(), header.end());
    auto bytes = chunk(1);
    message.insert(message.end(), bytes.begin(), bytes.end());
    uploads_.begin_message();
    uploads_.frame(message.size());
    auto w = uploads_.piece(message);
    ASSERT_TRUE(w);
    EXPECT_EQ(w->offset, kChunk);
    auto next = uploads_.written(*w, 100);
    ASSERT_TRUE(std::holds_alternative<WebUploads::Write>(next));
    const auto& rest = std::get<WebUploads::Write>(next);
    EXPECT_EQ(rest.offset, kChunk + 100);
    EXPECT_EQ(rest.bytes.size(), bytes.size() - 100);
    EXPECT_EQ(rest.bytes.data(), w->bytes.data() + 100);
}

TEST_F(WebUploadsTest, CancelingRemovesThePartialFile) {
    start();
    ASSERT_TRUE(send_chunk(0, proto::xxh32(chunk(0))));
    auto answer = proto::parse_json(uploads_.cancel({id_}));
    EXPECT_EQ(answer.at("type").as_string(), "upload_canceled") << answer.dump();
    for (const auto& entry : fs::directory_iterator(tmp_.path() / "incoming"))
        ADD_FAILURE() << "left behind: " << entry.path();
}

} // namespace
} // namespace streamd

// PULL: a daemon that holds the key asks another for a file it received, and gets it as an
// ordinary transfer on connections of the serving daemon's own. Only what the serving
// daemon's web side shows is served.

#include "auth_proof.hpp"
#include "control_expectations.hpp"
#include "raw_peer.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "tree_facts.hpp"
#include "wait_until.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKey = "the key both daemons hold";

std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

class Pull : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        keys_ = std::make_unique<fixtures::TempDir>("streamd-it-pull");
        const fs::path key = *keys_ / "shared.key";
        std::ofstream(key) << kKey << "\n";
        fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
        server_ = std::make_unique<StreamdInstance>(StreamdOptions{.secret_file = key});
        puller_ = std::make_unique<StreamdInstance>(StreamdOptions{.secret_file = key});
    }
    static void TearDownTestSuite() {
        puller_.reset();
        server_.reset();
        keys_.reset();
    }

    // A connection to the serving daemon that has proved it knows `key`.
    static RawPeer authenticated(std::string_view key = kKey) {
        RawPeer peer(server_->port());
        peer.send_preamble();
        auto f = peer.read_frame();
        if (!f || f->header.type != proto::FrameType::Welcome) {
            ADD_FAILURE() << "no WELCOME after the preamble\n" << server_->log();
            return peer;
        }
        const auto welcome = proto::decode_welcome(f->body);
        peer.send_frame(proto::Auth{proto::auth_proof(bytes_of(key), welcome.nonce)});
        return peer;
    }

    static proto::Pull pull_of(const std::string& name, std::uint8_t id,
                               const std::string& offer_as = {}) {
        proto::Pull p;
        p.id.fill(id);
        p.port = puller_->port();
        p.name = name;
        p.offer_as = offer_as;
        return p;
    }

    // The serving daemon answers the PULL with this ERROR, then closes.
    static void expect_refused(const proto::Pull& pull, proto::ErrorCode code,
                               const std::string& words) {
        RawPeer peer = authenticated();
        peer.send_frame(pull);
        auto e = next_error(peer);
        ASSERT_TRUE(e.has_value()) << "no ERROR for '" << pull.name << "'\n" << server_->log();
        EXPECT_EQ(e->code, code) << e->message;
        EXPECT_NE(e->message.find(words), std::string::npos) << e->message;
        EXPECT_TRUE(peer.read_until_closed().has_value()) << "connection left open";
    }

    // Asks for `name` and waits for the serving daemon's ACCEPT.
    static void ask_for(const proto::Pull& pull) {
        RawPeer peer = authenticated();
        peer.send_frame(pull);
        auto f = peer.read_frame();
        ASSERT_TRUE(f && f->header.type == proto::FrameType::Accept) << server_->log();
        const auto accept = proto::decode_accept(f->body);
        EXPECT_EQ(accept.id, pull.id);
        EXPECT_TRUE(accept.missing.empty());
        EXPECT_TRUE(peer.read_until_closed().has_value()) << "connection left open";
    }

    static std::unique_ptr<fixtures::TempDir> keys_;
    static std::unique_ptr<StreamdInstance> server_;
    static std::unique_ptr<StreamdInstance> puller_;
};

std::unique_ptr<fixtures::TempDir> Pull::keys_;
std::unique_ptr<StreamdInstance> Pull::server_;
std::unique_ptr<StreamdInstance> Pull::puller_;

TEST_F(Pull, AReceivedFileGoesToTheDaemonThatAskedForIt) {
    const std::string name = "asked for.bin";
    const fs::path held = server_->incoming() / name;
    write_random_file(held, 3 * MiB + 5, 71);
    fs::permissions(held, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    set_mtime(held, 1'600'000'000, 250'000'000);

    proto::Pull pull = pull_of(name, 0x71);
    pull.stream_count = 3;
    pull.chunk_size = 1024 * 1024;
    ask_for(pull);

    StreamdBus puller_bus(puller_->bus_address());
    ASSERT_TRUE(ended_done(puller_bus, name)) << puller_->log() << server_->log();
    const fs::path got = puller_->incoming() / name;
    EXPECT_EQ(sha256_of(got), sha256_of(held));
    EXPECT_EQ(facts_of(got).permissions, facts_of(held).permissions);
    EXPECT_EQ(facts_of(got).mtime_seconds, 1'600'000'000);
    // The serving daemon sent it as any transfer it queues, over the streams asked for.
    StreamdBus server_bus(server_->bus_address());
    ASSERT_TRUE(ended_done(server_bus, name)) << server_->log();
    for (const auto& row : server_bus.list_transfers())
        if (row.name == name) {
            EXPECT_EQ(row.direction, "out");
        }
    EXPECT_NE(server_->log(100).find("which asked for it"), std::string::npos) << server_->log();
}

TEST_F(Pull, AReceivedFolderGoesWhole) {
    const std::string name = "album 2";
    const fs::path held = server_->incoming() / name;
    fs::create_directories(held / "empty");
    fs::create_directories(held / "day one" / "raw");
    write_random_file(held / "day one" / "a.jpg", 700 * KiB, 72);
    write_random_file(held / "day one" / "raw" / "a.cr2", 2 * MiB + 1, 73);
    write_text_file(held / "notes.txt", "notes");
    write_text_file(held / "zero", "");
    fs::create_symlink("day one/a.jpg", held / "cover.jpg");
    set_mtime(held / "notes.txt", 1'500'000'000, 123'456'789);
    ::mkfifo((held / "pipe").c_str(), 0600);

    ask_for(pull_of(name, 0x72));

    StreamdBus puller_bus(puller_->bus_address());
    ASSERT_TRUE(ended_done(puller_bus, name)) << puller_->log() << server_->log();
    auto expected = tree_facts(held);
    expected.erase("pipe"); // a FIFO is not sent, as streamctl sends none
    EXPECT_EQ(tree_facts(puller_->incoming() / name), expected);
    StreamdBus server_bus(server_->bus_address());
    ASSERT_TRUE(ended_done(server_bus, name)) << server_->log();
}

TEST_F(Pull, TheSecondNameIsTheOneItArrivesUnder) {
    write_random_file(server_->incoming() / "original.bin", 100 * KiB, 74);
    ask_for(pull_of("original.bin", 0x74, "copy.bin"));
    StreamdBus puller_bus(puller_->bus_address());
    ASSERT_TRUE(ended_done(puller_bus, "copy.bin")) << puller_->log() << server_->log();
    EXPECT_EQ(sha256_of(puller_->incoming() / "copy.bin"),
              sha256_of(server_->incoming() / "original.bin"));
    EXPECT_FALSE(fs::exists(puller_->incoming() / "original.bin"));
    expect_refused(pull_of("original.bin", 0x75, "../x"), proto::ErrorCode::BadName,
                   "the name to store it as is unsafe");
}

TEST_F(Pull, WhatTheWebSideDoesNotShowIsNotServed) {
    fs::create_directory(server_->incoming() / "album");
    write_text_file(server_->incoming() / "album" / "one.txt", "one");
    write_text_file(server_->incoming() / "shown.txt", "shown");
    fs::create_symlink("shown.txt", server_->incoming() / "link.txt");

    fs::create_directory_symlink("album", server_->incoming() / "album link");
    expect_refused(pull_of("missing.bin", 1), proto::ErrorCode::NotFound,
                   "nothing named 'missing.bin' is here to be fetched");
    expect_refused(pull_of("link.txt", 2), proto::ErrorCode::NotFound, "nothing named 'link.txt'");
    expect_refused(pull_of("album link", 3), proto::ErrorCode::NotFound,
                   "nothing named 'album link'");
    const std::vector<std::string> unsafe{"../shown.txt", "album/one.txt", ".streamd-0.part", "..",
                                          ""};
    for (const auto& name : unsafe)
        expect_refused(pull_of(name, 4), proto::ErrorCode::BadName, "the name cannot be fetched");
    // Nothing was sent for any of them.
    StreamdBus server_bus(server_->bus_address());
    for (const auto& row : server_bus.list_transfers()) {
        EXPECT_NE(row.name, "link.txt") << row.describe();
        EXPECT_NE(row.name, "album link") << row.describe();
        EXPECT_NE(row.name, "shown.txt") << row.describe();
    }
}

TEST_F(Pull, APullWithoutTheKeyIsRefused) {
    write_text_file(server_->incoming() / "kept.txt", "kept");
    {
        RawPeer peer = authenticated("a key nobody holds");
        peer.send_frame(pull_of("kept.txt", 9));
        auto e = next_error(peer);
        ASSERT_TRUE(e.has_value()) << server_->log();
        EXPECT_EQ(e->code, proto::ErrorCode::AuthRequired) << e->message;
    }
    RawPeer peer(server_->port());
    peer.send_preamble();
    ASSERT_TRUE(peer.read_frame().has_value());
    peer.send_frame(pull_of("kept.txt", 10));
    auto e = next_error(peer);
    ASSERT_TRUE(e.has_value()) << server_->log();
    EXPECT_EQ(e->code, proto::ErrorCode::AuthRequired) << e->message;
    EXPECT_FALSE(fs::exists(puller_->incoming() / "kept.txt"));
}

// ---- streamctl get, through the asking daemon ---------------------------------------

TEST_F(Pull, GetFetchesAFileAndWaitsUntilItIsStored) {
    write_random_file(server_->incoming() / "fetched.bin", 2 * MiB + 3, 81);
    const std::string from = "127.0.0.1:" + std::to_string(server_->port());
    RunResult got = run_streamctl(
        puller_->bus_address(), {"get", "--streams", "2", from, "fetched.bin", "--as", "here.bin"});
    ASSERT_TRUE(succeeded(got)) << got.describe() << puller_->log() << server_->log();
    EXPECT_EQ(got.out.rfind("got fetched.bin from " + from + " as here.bin: 2.00 MiB", 0), 0u)
        << got.out;
    // It is stored when get returns.
    EXPECT_EQ(sha256_of(puller_->incoming() / "here.bin"),
              sha256_of(server_->incoming() / "fetched.bin"));
}

TEST_F(Pull, GetFetchesAFolder) {
    const fs::path held = server_->incoming() / "fetched folder";
    fs::create_directories(held / "inner");
    write_random_file(held / "inner" / "a.bin", 300 * KiB, 82);
    write_text_file(held / "b.txt", "b");
    RunResult got =
        run_streamctl(puller_->bus_address(),
                      {"get", "127.0.0.1:" + std::to_string(server_->port()), "fetched folder"});
    ASSERT_TRUE(succeeded(got)) << got.describe() << puller_->log() << server_->log();
    EXPECT_NE(got.out.find("2 files"), std::string::npos) << got.out;
    EXPECT_EQ(tree_facts(puller_->incoming() / "fetched folder"), tree_facts(held));
}

TEST_F(Pull, GetOfWhatIsNotShownSaysWhy) {
    const std::string from = "127.0.0.1:" + std::to_string(server_->port());
    RunResult got = run_streamctl(puller_->bus_address(), {"get", from, "never-there.bin"});
    EXPECT_EQ(got.status.code, 1) << got.describe();
    EXPECT_EQ(failure_reason(got), "cannot fetch 'never-there.bin' from " + from +
                                       ": nothing named 'never-there.bin' is here to be fetched")
        << got.describe();
    EXPECT_FALSE(fs::exists(puller_->incoming() / "never-there.bin"));
}

TEST_F(Pull, GetWithAnotherKeyIsRefused) {
    const fs::path other = *keys_ / "other.key";
    std::ofstream(other) << "a key the serving daemon does not hold\n";
    fs::permissions(other, fs::perms::owner_read | fs::perms::owner_write);
    StreamdInstance stranger(StreamdOptions{.secret_file = other});
    write_text_file(server_->incoming() / "guarded.txt", "guarded");
    RunResult got =
        run_streamctl(stranger.bus_address(),
                      {"get", "127.0.0.1:" + std::to_string(server_->port()), "guarded.txt"});
    EXPECT_EQ(got.status.code, 1) << got.describe();
    const auto reason = failure_reason(got);
    ASSERT_TRUE(reason) << got.describe();
    EXPECT_NE(reason->find("authentication failed"), std::string::npos) << *reason;
    EXPECT_FALSE(fs::exists(stranger.incoming() / "guarded.txt"));
}

TEST(PullFromADaemonWithoutItsWebSide, NothingIsServed) {
    StreamdInstance server(StreamdOptions{.web_enabled = false});
    write_text_file(server.incoming() / "kept.txt", "kept");
    RawPeer peer(server.port());
    peer.send_preamble();
    ASSERT_TRUE(peer.read_frame().has_value());
    proto::Pull pull;
    pull.id.fill(11);
    pull.port = server.port();
    pull.name = "kept.txt";
    peer.send_frame(pull);
    auto e = next_error(peer);
    ASSERT_TRUE(e.has_value()) << server.log();
    EXPECT_EQ(e->code, proto::ErrorCode::NotFound) << e->message;
    EXPECT_NE(e->message.find("[web] enabled = false"), std::string::npos) << e->message;
}

} // namespace
} // namespace streamd::it

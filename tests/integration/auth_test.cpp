// [auth] secret_file: a daemon with a key lets in only peers that prove, on every
// connection, that they know it; a daemon creates a missing key file and refuses to start
// with one that other users could read.

#include "auth_proof.hpp"
#include "control_expectations.hpp"
#include "machine_address.hpp"
#include "process.hpp"
#include "raw_peer.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "tool_paths.hpp"
#include "wait_until.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kKey = "a key the tests share, not secret";
constexpr std::string_view kOtherKey = "another key, which no daemon here trusts";

// A key file as an operator writes one: the key on a line of its own.
fs::path write_key_file(const fs::path& file, std::string_view key,
                        fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << key << "\n";
    fs::permissions(file, mode);
    return file;
}

std::vector<std::uint8_t> bytes_of(std::string_view text) {
    return {text.begin(), text.end()};
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

proto::Offer small_offer(std::uint8_t id) {
    proto::Offer o;
    o.id.fill(id);
    o.chunk_size = 64 * 1024;
    o.size = 256 * 1024;
    o.name = "raw-" + std::to_string(id) + ".bin";
    return o;
}

// The WELCOME that answers a preamble; fails the test if something else comes.
proto::Welcome welcome_of(RawPeer& peer) {
    peer.send_preamble();
    auto f = peer.read_frame();
    if (!f || f->header.type != proto::FrameType::Welcome) {
        ADD_FAILURE() << "no WELCOME after the preamble";
        return {};
    }
    return proto::decode_welcome(f->body);
}

// The peer gets exactly this ERROR and then the connection closes.
void expect_refusal(RawPeer& peer, proto::ErrorCode code, const std::string& words,
                    const std::string& context) {
    auto e = next_error(peer);
    ASSERT_TRUE(e.has_value()) << "no ERROR frame\n" << context;
    EXPECT_EQ(e->code, code) << e->message;
    EXPECT_NE(e->message.find(words), std::string::npos) << e->message;
    EXPECT_TRUE(peer.read_until_closed().has_value()) << "connection left open";
}

bool log_mentions(StreamdInstance& daemon, const std::string& words) {
    return daemon.log(1000).find(words) != std::string::npos;
}

// ---- daemons that talk to each other ---------------------------------------------------

class AuthTransfer : public ::testing::Test {
protected:
    fs::path file_to_send(std::uint64_t size, std::uint64_t seed) {
        fs::path file = files_ / ("sent-" + std::to_string(seed) + ".bin");
        write_random_file(file, size, seed);
        return file;
    }

    fixtures::TempDir keys_{"streamd-it-keys"};
    fixtures::TempDir files_{"streamd-it-auth"};
};

TEST_F(AuthTransfer, DaemonsSharingAKeyFileTransferAFile) {
    fs::path key = write_key_file(keys_ / "shared.key", kKey);
    StreamdInstance receiver(StreamdOptions{.secret_file = key});
    StreamdInstance sender(StreamdOptions{.secret_file = key});
    // Several streams, each of which must authenticate on its own connection.
    fs::path file = file_to_send(3 * MiB + 4321, 1);
    auto r = run_streamctl(sender.bus_address(), {"send", "--streams", "4", "--chunk-size", "256K",
                                                  file.string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(r)) << sender.log() << receiver.log();
    EXPECT_EQ(sha256_of(receiver.incoming() / file.filename()), sha256_of(file));
    EXPECT_TRUE(log_mentions(receiver, "peers must authenticate with the key from " + key.string()))
        << receiver.log();
}

TEST_F(AuthTransfer, ADifferentKeyIsRefusedAndNothingArrives) {
    StreamdInstance receiver(
        StreamdOptions{.secret_file = write_key_file(keys_ / "receiver.key", kKey)});
    StreamdInstance sender(
        StreamdOptions{.secret_file = write_key_file(keys_ / "sender.key", kOtherKey)});
    fs::path file = file_to_send(100000, 2);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    expect_streamctl_failure(r, {"authentication failed: the peer holds another key"},
                             sender.log() + receiver.log());
    EXPECT_EQ(entries_in(receiver.incoming()), std::vector<std::string>{});
    // The operator learns who tried; nobody learns a key or a proof.
    EXPECT_TRUE(wait_until([&] {
        return log_mentions(receiver, "refused 127.0.0.1:") &&
               log_mentions(receiver, "authentication failed");
    })) << receiver.log();
    for (StreamdInstance* daemon : {&sender, &receiver}) {
        EXPECT_FALSE(log_mentions(*daemon, std::string(kKey))) << daemon->log();
        EXPECT_FALSE(log_mentions(*daemon, std::string(kOtherKey))) << daemon->log();
    }
}

TEST_F(AuthTransfer, ASenderWithoutAKeyIsToldToConfigureOne) {
    StreamdInstance receiver(
        StreamdOptions{.secret_file = write_key_file(keys_ / "receiver.key", kKey)});
    StreamdInstance sender;
    fs::path file = file_to_send(100000, 3);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    expect_streamctl_failure(r,
                             {receiver.endpoint() + " requires a key",
                              "set [auth] secret_file to a copy of its key file"},
                             sender.log() + receiver.log());
    EXPECT_EQ(entries_in(receiver.incoming()), std::vector<std::string>{});
}

TEST_F(AuthTransfer, WithoutAKeyOnlyLoopbackPeersMaySend) {
    auto address = non_loopback_address();
    if (!address) GTEST_SKIP() << "this machine has no address besides loopback";
    // Sending to the machine's own address comes from that address, not from loopback.
    StreamdInstance receiver(StreamdOptions{.address = *address});
    StreamdInstance sender;
    EXPECT_NE(
        receiver.log().find("no peer keys: transfers are accepted from loopback addresses only"),
        std::string::npos)
        << receiver.log();
    fs::path file = file_to_send(100000, 5);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    expect_streamctl_failure(
        r, {"rejected by peer", "this daemon has no key and accepts only loopback peers"},
        sender.log() + receiver.log());
    EXPECT_EQ(entries_in(receiver.incoming()), std::vector<std::string>{});
}

TEST_F(AuthTransfer, ASenderWithAKeyStillSendsToADaemonWithout) {
    StreamdInstance receiver;
    StreamdInstance sender(
        StreamdOptions{.secret_file = write_key_file(keys_ / "sender.key", kKey)});
    fs::path file = file_to_send(100000, 4);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(r)) << sender.log() << receiver.log();
    EXPECT_EQ(sha256_of(receiver.incoming() / file.filename()), sha256_of(file));
}

TEST_F(AuthTransfer, AGeneratedKeyFileIsWhatTheOtherDaemonNeeds) {
    fs::path key = keys_ / "generated.key";
    StreamdInstance receiver(StreamdOptions{.secret_file = key});
    ASSERT_TRUE(fs::exists(key)) << receiver.log();
    fs::path copy = keys_ / "copy.key";
    fs::copy_file(key, copy);
    StreamdInstance sender(StreamdOptions{.secret_file = copy});
    fs::path file = file_to_send(100000, 5);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(r)) << sender.log() << receiver.log();
    EXPECT_EQ(sha256_of(receiver.incoming() / file.filename()), sha256_of(file));
}

// ---- a keyed daemon and hand-made peers --------------------------------------------------

class AuthRawPeer : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        keys_ = std::make_unique<fixtures::TempDir>("streamd-it-keys");
        key_file_ = write_key_file(*keys_ / "receiver.key", kKey);
        daemon_ = std::make_unique<StreamdInstance>(StreamdOptions{.secret_file = key_file_});
    }
    static void TearDownTestSuite() {
        daemon_.reset();
        keys_.reset();
    }

    void TearDown() override {
        // Whatever a peer did, the next one that knows the key gets in.
        RawPeer peer(daemon().port());
        auto welcome = welcome_of(peer);
        peer.send_frame(proto::Auth{proto::auth_proof(bytes_of(kKey), welcome.nonce)});
        peer.send_frame(small_offer(0xEE));
        auto f = peer.read_frame();
        EXPECT_TRUE(f && f->header.type == proto::FrameType::Accept) << "streamd stopped serving\n"
                                                                     << daemon().log();
        peer.close();
        EXPECT_TRUE(wait_until([&] { return entries_in(daemon().incoming()).empty(); }))
            << ::testing::PrintToString(entries_in(daemon().incoming()));
    }

    static StreamdInstance& daemon() { return *daemon_; }

    static std::unique_ptr<fixtures::TempDir> keys_;
    static fs::path key_file_;
    static std::unique_ptr<StreamdInstance> daemon_;
};

std::unique_ptr<fixtures::TempDir> AuthRawPeer::keys_;
fs::path AuthRawPeer::key_file_;
std::unique_ptr<StreamdInstance> AuthRawPeer::daemon_;

TEST_F(AuthRawPeer, WelcomeAsksForHmacWithAFreshNonceEachTime) {
    RawPeer first(daemon().port());
    RawPeer second(daemon().port());
    auto a = welcome_of(first);
    auto b = welcome_of(second);
    EXPECT_EQ(a.auth_method, proto::kAuthHmacSha256);
    EXPECT_EQ(b.auth_method, proto::kAuthHmacSha256);
    EXPECT_NE(a.nonce, b.nonce);
}

TEST_F(AuthRawPeer, OfferWithoutAuthIsRefused) {
    RawPeer peer(daemon().port());
    welcome_of(peer);
    peer.send_frame(small_offer(1));
    expect_refusal(peer, proto::ErrorCode::AuthRequired,
                   "authentication required: this daemon accepts only peers that know its key",
                   daemon().log());
}

TEST_F(AuthRawPeer, JoinWithoutAuthIsRefused) {
    RawPeer peer(daemon().port());
    welcome_of(peer);
    proto::Join join;
    join.id.fill(2);
    join.index = 1;
    join.count = 2;
    peer.send_frame(join);
    expect_refusal(peer, proto::ErrorCode::AuthRequired, "authentication required", daemon().log());
}

TEST_F(AuthRawPeer, AWrongProofIsRefused) {
    RawPeer peer(daemon().port());
    auto welcome = welcome_of(peer);
    peer.send_frame(proto::Auth{proto::auth_proof(bytes_of(kOtherKey), welcome.nonce)});
    peer.send_frame(small_offer(3));
    expect_refusal(peer, proto::ErrorCode::AuthRequired,
                   "authentication failed: the key does not match", daemon().log());
}

TEST_F(AuthRawPeer, AProofFromAnotherConnectionIsRefused) {
    RawPeer seen(daemon().port());
    auto seen_welcome = welcome_of(seen);
    proto::Auth replayed{proto::auth_proof(bytes_of(kKey), seen_welcome.nonce)};
    seen.send_frame(replayed);
    seen.close();

    RawPeer peer(daemon().port());
    welcome_of(peer);
    peer.send_frame(replayed);
    expect_refusal(peer, proto::ErrorCode::AuthRequired, "authentication failed", daemon().log());
}

TEST_F(AuthRawPeer, TheRightProofGetsAnOfferAccepted) {
    RawPeer peer(daemon().port());
    auto welcome = welcome_of(peer);
    peer.send_frame(proto::Auth{proto::auth_proof(bytes_of(kKey), welcome.nonce)});
    peer.send_frame(small_offer(4));
    auto f = peer.read_frame();
    ASSERT_TRUE(f.has_value()) << daemon().log();
    ASSERT_EQ(f->header.type, proto::FrameType::Accept) << daemon().log();
    EXPECT_EQ(proto::decode_accept(f->body).id, small_offer(4).id);
}

TEST_F(AuthRawPeer, ASecondAuthIsABadFrame) {
    RawPeer peer(daemon().port());
    auto welcome = welcome_of(peer);
    proto::Auth auth{proto::auth_proof(bytes_of(kKey), welcome.nonce)};
    peer.send_frame(auth);
    peer.send_frame(auth);
    expect_refusal(peer, proto::ErrorCode::BadFrame, "unexpected AUTH", daemon().log());
}

TEST_F(AuthRawPeer, AnAuthOfTheWrongLengthIsABadFrame) {
    RawPeer peer(daemon().port());
    welcome_of(peer);
    std::vector<std::uint8_t> frame;
    proto::encode(proto::Auth{}, frame);
    frame[7] = 16; // the body length: half a proof
    frame.resize(proto::kHeaderSize + 16);
    peer.send(frame);
    expect_refusal(peer, proto::ErrorCode::BadFrame, "AUTH", daemon().log());
}

// ---- limits and reloads ---------------------------------------------------------------------

TEST(AuthLimits, AuthenticatingDoesNotExtendTheHandshakeTimeout) {
    fixtures::TempDir keys("streamd-it-keys");
    StreamdInstance daemon(StreamdOptions{.limits = "handshake_timeout = 1\n",
                                          .secret_file = write_key_file(keys / "k.key", kKey)});
    RawPeer peer(daemon.port());
    auto welcome = welcome_of(peer);
    peer.send_frame(proto::Auth{proto::auth_proof(bytes_of(kKey), welcome.nonce)});
    auto said = peer.read_until_closed();
    ASSERT_TRUE(said.has_value()) << "still open\n" << daemon.log();
    EXPECT_NE(said->find("no OFFER or JOIN within 1 s"), std::string::npos) << *said;
}

TEST(AuthWithoutKey, AnAuthFrameIsABadFrame) {
    StreamdInstance daemon;
    RawPeer peer(daemon.port());
    auto welcome = welcome_of(peer);
    EXPECT_EQ(welcome.auth_method, proto::kAuthNone);
    peer.send_frame(proto::Auth{proto::auth_proof(bytes_of(kKey), welcome.nonce)});
    expect_refusal(peer, proto::ErrorCode::BadFrame, "unexpected AUTH", daemon.log());
    EXPECT_TRUE(welcomed(daemon.port())) << daemon.log();
}

class AuthReload : public ::testing::Test {
protected:
    // Whether a hand-made peer proving `key` gets its offer accepted.
    bool accepted_with(std::string_view key, std::uint8_t id) {
        RawPeer peer(daemon_.port());
        auto welcome = welcome_of(peer);
        peer.send_frame(proto::Auth{proto::auth_proof(bytes_of(key), welcome.nonce)});
        peer.send_frame(small_offer(id));
        auto f = peer.read_frame();
        return f && f->header.type == proto::FrameType::Accept;
    }

    fixtures::TempDir keys_{"streamd-it-keys"};
    fs::path key_file_ = write_key_file(keys_ / "receiver.key", kKey);
    StreamdInstance daemon_{StreamdOptions{.secret_file = key_file_}};
};

TEST_F(AuthReload, ANewKeyTakesEffect) {
    write_key_file(key_file_, kOtherKey);
    ASSERT_TRUE(succeeded(run_streamctl(daemon_.bus_address(), {"reload"}))) << daemon_.log();
    EXPECT_FALSE(accepted_with(kKey, 1)) << daemon_.log();
    EXPECT_TRUE(accepted_with(kOtherKey, 2)) << daemon_.log();
}

TEST_F(AuthReload, AKeyFileOpenToOthersIsRefusedAndTheOldKeyStays) {
    write_key_file(key_file_, kOtherKey,
                   fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                       fs::perms::others_read);
    RunResult refused = run_streamctl(daemon_.bus_address(), {"reload"});
    expect_streamctl_failure(refused,
                             {"reload refused: " + key_file_.string() +
                              ": the key file is readable by other users (mode 0644)"},
                             daemon_.log());
    EXPECT_TRUE(accepted_with(kKey, 3)) << daemon_.log();
    EXPECT_FALSE(accepted_with(kOtherKey, 4)) << daemon_.log();
}

// ---- the key file at start ------------------------------------------------------------------

TEST(AuthKeyFile, AMissingKeyFileIsCreatedPrivate) {
    fixtures::TempDir keys("streamd-it-keys");
    fs::path key = keys / "new.key";
    StreamdInstance daemon(StreamdOptions{.secret_file = key});
    ASSERT_TRUE(fs::exists(key)) << daemon.log();
    EXPECT_EQ(facts_of(key).permissions, 0600u);
    std::string text = read_text(key);
    ASSERT_EQ(text.size(), 65u) << text;
    EXPECT_EQ(text.back(), '\n');
    EXPECT_TRUE(std::all_of(text.begin(), text.end() - 1, [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    })) << text;
    EXPECT_TRUE(wait_until([&] {
        return log_mentions(daemon, "generated a new key in " + key.string() +
                                        "; copy it to every daemon that exchanges files with "
                                        "this one");
    })) << daemon.log();
}

TEST(AuthKeyFile, AGroupReadableKeyFileStopsTheStart) {
    fixtures::TempDir dir("streamd-it-keys");
    fs::path key =
        write_key_file(dir / "peer.key", kKey,
                       fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    fs::create_directory(dir / "incoming");
    fs::path config = dir / "streamd.toml";
    std::ofstream(config) << "[listen]\naddress = \"127.0.0.1\"\nport = 0\n\n[storage]\n"
                          << "incoming = \"" << (dir / "incoming").string() << "\"\n\n"
                          << "[auth]\nsecret_file = \"peer.key\"\n";
    SpawnOptions o;
    o.argv = {streamd_binary().string(), "--user", "--config", config.string()};
    RunResult r = run(o, std::chrono::seconds(30));
    ASSERT_FALSE(r.timed_out) << r.describe();
    EXPECT_EQ(r.status.code, 1) << r.describe();
    std::string reason = key.string() +
                         ": the key file is readable by other users (mode 0640); "
                         "run chmod 600 " +
                         key.string();
    EXPECT_NE(r.err.find(reason), std::string::npos) << r.describe();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.describe();
}

} // namespace
} // namespace streamd::it

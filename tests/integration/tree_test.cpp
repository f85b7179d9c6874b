// Folders sent between two real daemons arrive as the same tree: contents, empty folders,
// modes, mtimes and links, with what cannot be sent left out and named; and a peer's
// manifest that would write outside the incoming folder is refused with nothing kept.

#include "digest.hpp"
#include "json_value.hpp"
#include "process.hpp"
#include "raw_peer.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "tree_facts.hpp"
#include "tree_manifest.hpp"
#include "unique_fd.hpp"
#include "wait_until.hpp"

#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

void set_link_mtime(const fs::path& link, std::time_t sec) {
    const timespec times[2] = {{sec, 0}, {sec, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, link.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
}

std::vector<std::string> send_args(const fs::path& path, const std::string& destination) {
    return {"send", path.string(), destination, "--streams", "4", "--chunk-size", "64K"};
}

proto::TreeEntry file_entry(std::string path, std::uint64_t size = 0) {
    proto::TreeEntry e;
    e.path = std::move(path);
    e.size = size;
    return e;
}

class Trees : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        receiver_ = std::make_unique<StreamdInstance>();
        sender_ = std::make_unique<StreamdInstance>();
    }
    static void TearDownTestSuite() {
        sender_.reset();
        receiver_.reset();
    }

    RunResult send(const fs::path& path) {
        return run_streamctl(sender_->bus_address(), send_args(path, receiver_->endpoint()));
    }
    std::string logs() { return "sender:\n" + sender_->log() + "receiver:\n" + receiver_->log(); }
    // Nothing hidden is left behind in the incoming folder.
    void expect_nothing_partial() {
        for (const auto& name : entries_in(receiver_->incoming()))
            EXPECT_FALSE(name.starts_with(".streamd-")) << name << " left behind\n" << logs();
    }

    fixtures::TempDir sources_{"streamd-it-trees"};
    static inline std::unique_ptr<StreamdInstance> receiver_;
    static inline std::unique_ptr<StreamdInstance> sender_;
};

TEST_F(Trees, ArriveWithContentsModesTimesAndLinks) {
    const fs::path top = sources_ / "album";
    fs::create_directories(top / "deep" / "deeper" / "deepest");
    fs::create_directories(top / "empty folder");
    fs::create_directories(top / "näme with spaces");
    write_random_file(top / "big.bin", 300 * KiB + 17, 1); // spans chunks
    write_random_file(top / "deep" / "small.bin", 1000, 2);
    write_random_file(top / "deep" / "deeper" / "deepest" / "leaf.bin", 64 * KiB, 3);
    write_random_file(top / "näme with spaces" / "ünïcode file.txt", 5 * KiB + 3, 4);
    write_text_file(top / "empty.txt", "");
    write_sparse_file(top / "sparse.img", 2 * MiB, std::vector<std::uint64_t>{MiB}, 5);
    fs::permissions(top / "deep" / "small.bin", fs::perms(0600));
    fs::permissions(top / "big.bin", fs::perms(0750));
    fs::create_symlink("deep/small.bin", top / "link to small");
    fs::create_symlink("../big.bin", top / "deep" / "up-link");
    set_link_mtime(top / "link to small", 1'100'000'000);
    // Left out, and named: a link out of the tree, a hard link, a FIFO.
    fs::create_symlink("/etc/passwd", top / "escape");
    fs::create_hard_link(top / "big.bin", top / "hard.bin");
    ASSERT_EQ(::mkfifo((top / "fifo").c_str(), 0644), 0);
    // Times last, deepest first, so that making an entry does not move its folder's.
    std::time_t t = 1'000'000'000;
    for (const char* path :
         {"deep/deeper/deepest/leaf.bin", "deep/deeper/deepest", "deep/deeper", "deep/small.bin",
          "big.bin", "empty.txt", "sparse.img", "näme with spaces/ünïcode file.txt",
          "näme with spaces", "empty folder", "deep", ""})
        set_mtime(top / path, t += 1000, 123'456'789);

    RunResult sent = send(top);
    ASSERT_TRUE(sent.status.success()) << sent.describe() << "\n" << logs();
    for (const char* skipped : {"escape", "hard.bin", "fifo"})
        EXPECT_NE(sent.err.find(skipped), std::string::npos)
            << skipped << " is not named as left out\n"
            << sent.describe();

    // And kept with the transfer, for --json.
    RunResult listed = run_streamctl(sender_->bus_address(), {"list", "--json"});
    ASSERT_TRUE(listed.status.success()) << listed.describe();
    std::map<std::string, std::string> left_out;
    const proto::JsonValue transfers = proto::parse_json(listed.out);
    for (const auto& t : transfers.as_array())
        if (t.at("name").as_string() == "album")
            for (const auto& e : t.at("skipped").as_array())
                left_out[e.at("path").as_string()] = e.at("reason").as_string();
    EXPECT_EQ(left_out.size(), 3u) << listed.out;
    for (const char* skipped : {"escape", "hard.bin", "fifo"})
        EXPECT_FALSE(left_out[skipped].empty()) << skipped << " has no reason\n" << listed.out;

    fs::remove(top / "escape");
    fs::remove(top / "hard.bin");
    fs::remove(top / "fifo");
    const fs::path got = receiver_->incoming() / "album";
    ASSERT_TRUE(fs::is_directory(got)) << sent.describe() << "\n" << logs();
    // The hard link's removal moved the folder's mtime: compare what it was.
    set_mtime(top, t, 123'456'789);
    const auto want = tree_facts(top);
    EXPECT_EQ(tree_facts(got), want);
    EXPECT_EQ(facts_of(got).permissions, facts_of(top).permissions);
    EXPECT_EQ(facts_of(got).mtime_seconds, t);
    struct stat sparse {};
    ASSERT_EQ(::stat((got / "sparse.img").c_str(), &sparse), 0);
    EXPECT_LT(sparse.st_blocks * 512, 2 * static_cast<long>(MiB)) << "sparse.img arrived dense";
    expect_nothing_partial();
}

TEST_F(Trees, EmptyFolderArrivesEmpty) {
    const fs::path top = sources_ / "nothing";
    fs::create_directories(top);
    set_mtime(top, 1'200'000'000, 0);

    RunResult sent = send(top);
    ASSERT_TRUE(sent.status.success()) << sent.describe() << "\n" << logs();
    const fs::path got = receiver_->incoming() / "nothing";
    ASSERT_TRUE(fs::is_directory(got)) << logs();
    EXPECT_TRUE(fs::is_empty(got));
    EXPECT_EQ(facts_of(got).mtime_seconds, 1'200'000'000);
    expect_nothing_partial();
}

TEST_F(Trees, TenThousandFilesArriveWhole) {
    const fs::path top = sources_ / "many";
    for (int d = 0; d < 100; ++d) {
        const fs::path folder = top / ("folder " + std::to_string(d));
        fs::create_directories(folder);
        for (int f = 0; f < 100; ++f) {
            const int n = d * 100 + f;
            write_random_file(folder / ("file-" + std::to_string(f)),
                              static_cast<std::uint64_t>((n * 7919) % 3000), n);
        }
    }

    RunResult sent = send(top);
    ASSERT_TRUE(sent.status.success()) << sent.describe() << "\n" << logs();
    const auto want = tree_facts(top);
    ASSERT_EQ(want.size(), 10'100u);
    EXPECT_EQ(tree_facts(receiver_->incoming() / "many"), want);
    expect_nothing_partial();
}

TEST_F(Trees, SameNameAgainIsStoredUnderANewName) {
    const fs::path top = sources_ / "twice";
    fs::create_directories(top / "inner");
    write_random_file(top / "inner" / "a.bin", 70 * KiB, 9);

    for (const char* stored : {"twice", "twice (1)"}) {
        RunResult sent = send(top);
        ASSERT_TRUE(sent.status.success()) << sent.describe() << "\n" << logs();
        EXPECT_EQ(tree_facts(receiver_->incoming() / stored), tree_facts(top)) << stored;
    }
    expect_nothing_partial();
}

// The bus side of a folder: what the caller hands over is checked as it comes, and files
// may come in several calls.
TEST_F(Trees, FilesComeInSeveralCallsAndAreChecked) {
    const fs::path top = sources_ / "calls";
    fs::create_directories(top);
    proto::TreeManifest m;
    std::vector<UniqueFd> fds;
    for (const auto& [name, size] : std::vector<std::pair<std::string, std::uint64_t>>{
             {"a", 10}, {"b", 0}, {"c", 20}, {"d", 30}}) {
        write_random_file(top / name, size, size);
        m.entries.push_back(file_entry(name, size));
        if (size > 0) fds.emplace_back(::open((top / name).c_str(), O_RDONLY | O_CLOEXEC));
    }
    UniqueFd folder(::open(top.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const auto manifest = proto::encode_manifest(m);
    StreamdBus bus(sender_->bus_address());
    const std::string to = receiver_->endpoint();
    const std::string invalid = std::string(error_prefix) + "InvalidArgument";

    auto garbage = outcome_of([&] { bus.send_tree(folder.get(), {1, 2, 3}, {}, to, "calls"); });
    EXPECT_EQ(garbage.error_name, invalid) << garbage.describe();
    auto wrong_size =
        outcome_of([&] { bus.send_tree(folder.get(), manifest, {fds[1].get()}, to, "calls"); });
    EXPECT_EQ(wrong_size.error_name, invalid) << wrong_size.describe();
    EXPECT_NE(wrong_size.message.find("has 20 bytes where the manifest says 10"), std::string::npos)
        << wrong_size.describe();
    auto not_a_folder =
        outcome_of([&] { bus.send_tree(fds[0].get(), manifest, {fds[0].get()}, to, "calls"); });
    EXPECT_EQ(not_a_folder.error_name, invalid) << not_a_folder.describe();
    auto unknown = outcome_of([&] { bus.add_files(4242, {fds[0].get()}); });
    EXPECT_EQ(unknown.error_name, invalid) << unknown.describe();
    auto bad_skipped = outcome_of([&] {
        bus.send_tree(folder.get(), manifest, {fds[0].get()}, to, "calls",
                      {{"skipped", sdbus::Variant(std::string("fifo"))}});
    });
    EXPECT_EQ(bad_skipped.error_name, invalid) << bad_skipped.describe();

    using Skipped = std::vector<sdbus::Struct<std::string, std::string>>;
    const Skipped skipped{{"fifo", "a FIFO"}, {"näme/link", "a link out of the folder"}};
    const std::uint32_t id = bus.send_tree(folder.get(), manifest, {fds[0].get()}, to, "calls",
                                           {{"skipped", sdbus::Variant(skipped)}});
    EXPECT_FALSE(bus.find_transfer(id)) << "queued before its files were in";
    bus.add_files(id, {fds[1].get()});
    bus.add_files(id, {fds[2].get()});
    ASSERT_TRUE(wait_until([&] {
        auto row = bus.find_transfer(id);
        return row && is_final_state(row->state);
    })) << logs();
    const auto row = bus.find_transfer(id);
    EXPECT_EQ(row->state, "done") << row->describe() << "\n" << logs();
    EXPECT_EQ(row->size, 60u);
    EXPECT_EQ(bus.property(transfer_path(id), transfer_interface, "Files").get<std::uint32_t>(),
              4u);
    EXPECT_EQ(bus.property(transfer_path(id), transfer_interface, "FilesDone").get<std::uint32_t>(),
              4u);
    EXPECT_EQ(bus.property(transfer_path(id), transfer_interface, "Skipped").get<Skipped>(),
              skipped);
    // The manifest made here says mode 0644 and mtime 0: only the contents are the files'.
    for (const char* name : {"a", "b", "c", "d"})
        EXPECT_EQ(digest_of(receiver_->incoming() / "calls" / name), digest_of(top / name)) << name;
}

// A peer that offers a tree whose manifest climbs out of it, or does not add up, is refused
// before anything is made.
class HostileManifests : public ::testing::Test {
protected:
    static void SetUpTestSuite() { daemon_ = std::make_unique<StreamdInstance>(); }
    static void TearDownTestSuite() { daemon_.reset(); }

    // The ERROR the daemon answers a tree of these raw manifest bytes with.
    static std::optional<proto::Error> offer(const std::vector<std::uint8_t>& manifest,
                                             std::uint64_t size, std::uint8_t id) {
        RawPeer peer(daemon_->port());
        if (!peer.handshake()) return std::nullopt;
        proto::Offer o;
        o.id.fill(id);
        o.chunk_size = 64 * 1024;
        o.size = size;
        o.name = "hostile";
        o.kind = proto::OfferKind::Tree;
        o.manifest_length = static_cast<std::uint32_t>(manifest.size());
        o.manifest_digest = proto::chunk_digest(manifest);
        peer.send_frame(o);
        peer.send_frame(proto::ManifestPiece{manifest});
        return next_error(peer);
    }

    static inline std::unique_ptr<StreamdInstance> daemon_;
};

// The manifest encoding by hand, so that it can say what encode_manifest() never would.
std::vector<std::uint8_t> raw_manifest(const std::vector<proto::TreeEntry>& entries) {
    std::vector<std::uint8_t> out;
    proto::Writer w(out);
    w.u32(static_cast<std::uint32_t>(entries.size()));
    for (const auto& e : entries) {
        w.u8(static_cast<std::uint8_t>(e.kind));
        w.u8(0);
        w.u16(static_cast<std::uint16_t>(e.path.size()));
        w.u32(e.mode);
        w.u64(static_cast<std::uint64_t>(e.mtime_sec));
        w.u32(e.mtime_nsec);
        w.u64(e.size);
        w.u16(static_cast<std::uint16_t>(e.target.size()));
        w.bytes(e.path);
        w.bytes(e.target);
    }
    return out;
}

TEST_F(HostileManifests, AreRefusedWithNothingKept) {
    proto::TreeEntry link;
    link.kind = proto::EntryKind::Link;
    link.path = "out";
    link.target = "../../etc";
    proto::TreeEntry folder;
    folder.kind = proto::EntryKind::Folder;
    folder.path = "a";
    struct Case {
        const char* label;
        std::vector<std::uint8_t> manifest;
        std::uint64_t size;
    };
    const std::vector<Case> cases = {
        {"a climbing path", raw_manifest({file_entry("../escape")}), 0},
        {"an absolute path", raw_manifest({file_entry("/etc/escape")}), 0},
        {"a path through a file", raw_manifest({file_entry("f"), file_entry("f/g")}), 0},
        {"a link out of the tree", raw_manifest({link}), 0},
        {"a path twice", raw_manifest({file_entry("x"), file_entry("x")}), 0},
        {"a file before its folder", raw_manifest({file_entry("a/x"), folder}), 0},
        {"a control byte", raw_manifest({file_entry("bad\nname")}), 0},
        {"sizes that do not add up", raw_manifest({file_entry("x", 10)}), 11},
        {"a truncated manifest", std::vector<std::uint8_t>{0, 0, 0, 1, 2}, 0},
    };
    std::uint8_t id = 0x40;
    for (const auto& c : cases) {
        auto error = offer(c.manifest, c.size, ++id);
        ASSERT_TRUE(error) << c.label << ": no ERROR\n" << daemon_->log();
        EXPECT_EQ(error->code, proto::ErrorCode::BadFrame) << c.label << ": " << error->message;
    }
    EXPECT_TRUE(entries_in(daemon_->incoming()).empty())
        << ::testing::PrintToString(entries_in(daemon_->incoming()));
    EXPECT_TRUE(welcomed(daemon_->port())) << "the daemon stopped serving\n" << daemon_->log();
}

} // namespace
} // namespace streamd::it

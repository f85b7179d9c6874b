// The incoming folder on a real file system: partial files, the checks before an offer
// is taken, and the final rename, which must never clobber a file it was told to keep.
#include "file_name.hpp"
#include "storage/storage.hpp"
#include "temp_dir.hpp"
#include "utf8.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <set>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <system_error>
#include <unistd.h>
#include <vector>

namespace streamd {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t MiB = 1024 * 1024;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, std::string_view content) {
    std::ofstream out(p, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

struct stat stat_of(const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0)
        throw std::system_error(errno, std::generic_category(), "lstat " + p.string());
    return st;
}

std::set<std::string> names_in(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.insert(entry.path().filename().string());
    return names;
}

// The Refusal that `f` throws.
template <typename F> Refusal refusal_of(F&& f) {
    try {
        f();
    } catch (const Refusal& r) {
        return r;
    }
    ADD_FAILURE() << "nothing was refused";
    return {proto::ErrorCode::Internal, "(no refusal)"};
}

// What a transfer does once its file is complete: mode and mtime, then the rename.
std::string commit(const Storage& s, int fd, const std::string& partial, const proto::Offer& f) {
    s.stamp(fd, f);
    return s.place(partial, f);
}

std::string repeat(std::string_view piece, size_t times) {
    std::string s;
    for (size_t i = 0; i < times; ++i)
        s += piece;
    return s;
}

// ---------------------------------------------------------------------------------------
// conflict_name

TEST(StorageConflictName, Examples) {
    EXPECT_EQ(conflict_name("a.txt", 1), "a (1).txt");
    EXPECT_EQ(conflict_name("a.txt", 12), "a (12).txt");
    EXPECT_EQ(conflict_name("archive.tar.gz", 2), "archive.tar (2).gz");
    EXPECT_EQ(conflict_name(".bashrc", 1), ".bashrc (1)");
    EXPECT_EQ(conflict_name("noext", 3), "noext (3)");
    EXPECT_EQ(conflict_name("Ünïcödé.pdf", 1), "Ünïcödé (1).pdf");
}

TEST(StorageConflictName, LongNamesAreCutToFit) {
    std::string ascii(255, 'a');
    std::string cut = conflict_name(ascii, 1);
    EXPECT_EQ(cut.size(), 255u);
    EXPECT_EQ(cut, std::string(251, 'a') + " (1)");

    std::string with_ext = std::string(251, 'b') + ".txt";
    cut = conflict_name(with_ext, 7);
    EXPECT_EQ(cut, std::string(247, 'b') + " (7).txt");
}

TEST(StorageConflictName, CutsMultiByteNamesOnCharacterBoundaries) {
    const std::vector<std::string> names{
        repeat("€", 85),                // 255 bytes, no extension
        repeat("€", 83) + "é" + ".txt", // 255 bytes with an extension
        repeat("é", 127) + "a",         // two-byte characters
        repeat("😀", 63) + "abc",        // four-byte characters
        "x" + repeat("😀", 62) + ".gz",  // the cut falls inside the stem's last character
        repeat("€", 80) + ".€€",        // a multi-byte extension
    };
    for (const auto& name : names) {
        ASSERT_LE(name.size(), proto::kMaxName);
        ASSERT_EQ(proto::name_problem(name), std::nullopt) << name;
        std::set<std::string> seen{name};
        for (unsigned n : {1u, 2u, 9u, 10u, 99u, 1000u, 9999u}) {
            std::string c = conflict_name(name, n);
            EXPECT_LE(c.size(), proto::kMaxName) << c;
            EXPECT_TRUE(proto::valid_utf8(c)) << c;
            EXPECT_EQ(proto::name_problem(c), std::nullopt) << c;
            EXPECT_NE(c.find(" (" + std::to_string(n) + ")"), std::string::npos) << c;
            EXPECT_TRUE(seen.insert(c).second) << "name " << n << " repeats: " << c;
        }
    }
}

TEST(StorageConflictName, KeepsTheExtensionWhenCutting) {
    std::string name = repeat("€", 83) + "é" + ".txt";
    ASSERT_EQ(name.size(), 255u);
    std::string c = conflict_name(name, 1);
    EXPECT_TRUE(c.ends_with(" (1).txt")) << c;
    EXPECT_EQ(c, repeat("€", 82) + " (1).txt");
}

// ---------------------------------------------------------------------------------------
// Storage

class StorageFolder : public ::testing::Test {
protected:
    fs::path incoming() const { return tmp_.path() / "incoming"; }

    Storage make(OnConflict policy, uint64_t max_file_size = 0) const {
        Config::Storage config;
        config.incoming = incoming();
        config.max_file_size = max_file_size;
        config.on_conflict = policy;
        return Storage(config);
    }

    static proto::Offer offer(std::string name, uint64_t size = 1000) {
        proto::Offer f;
        for (size_t i = 0; i < f.id.size(); ++i)
            f.id[i] = static_cast<uint8_t>(0xC0 + i);
        f.stream_count = 1;
        f.chunk_size = 64 * 1024;
        f.size = size;
        f.mode = 0640;
        f.mtime_sec = 1'234'567'890;
        f.mtime_nsec = 123'456'789;
        f.name = std::move(name);
        return f;
    }

    // A partial holding `content`, as a finished transfer leaves it.
    static UniqueFd partial_with(const Storage& s, const std::string& partial,
                                 std::string_view content) {
        UniqueFd fd = s.create_partial(partial, content.size());
        auto n = ::pwrite(fd.get(), content.data(), content.size(), 0);
        if (n != static_cast<ssize_t>(content.size()))
            throw std::system_error(errno, std::generic_category(), "pwrite");
        return fd;
    }

    fixtures::TempDir tmp_{"streamd-storage"};
};

TEST_F(StorageFolder, CreatesTheFolder) {
    Config::Storage config;
    config.incoming = tmp_.path() / "deep" / "er" / "incoming";
    ASSERT_FALSE(fs::exists(config.incoming));
    Storage s(config);
    EXPECT_TRUE(fs::is_directory(config.incoming));
    EXPECT_EQ(s.path(), config.incoming);
}

TEST_F(StorageFolder, UsesAnExistingFolder) {
    fs::create_directories(incoming());
    write_file(incoming() / "kept.txt", "kept");
    Storage s = make(OnConflict::Rename);
    EXPECT_EQ(read_file(incoming() / "kept.txt"), "kept");
}

TEST_F(StorageFolder, UnusableFolderThrowsNamingIt) {
    write_file(tmp_.path() / "plain-file", "");
    Config::Storage config;
    config.incoming = tmp_.path() / "plain-file" / "incoming";
    try {
        Storage s(config);
        ADD_FAILURE() << "a folder inside a regular file was accepted";
    } catch (const std::system_error& e) {
        EXPECT_NE(std::string(e.what()).find(config.incoming.string()), std::string::npos)
            << e.what();
    }
}

TEST_F(StorageFolder, CheckOfferAcceptsGoodOffers) {
    for (OnConflict policy : {OnConflict::Rename, OnConflict::Overwrite, OnConflict::Fail}) {
        Storage s = make(policy);
        EXPECT_NO_THROW(s.check_offer(offer("report.pdf")));
        EXPECT_NO_THROW(s.check_offer(offer("Ünïcödé name.txt")));
        EXPECT_NO_THROW(s.check_offer(offer(std::string(255, 'x'))));
    }
}

TEST_F(StorageFolder, CheckOfferRefusesBadNames) {
    Storage s = make(OnConflict::Rename);
    const std::vector<std::string> bad{
        "",
        ".",
        "..",
        "a/b",
        "../escape",
        "/etc/passwd",
        std::string("a\0b", 3),
        "line\nbreak",
        "\x7f",
        std::string(256, 'x'),
        "\xC0\xAF",
        ".streamd-c0c1c2c3c4c5c6c7c8c9cacbcccdcecf.part",
    };
    for (const auto& name : bad) {
        Refusal r = refusal_of([&] { s.check_offer(offer(name)); });
        EXPECT_EQ(r.code, proto::ErrorCode::BadName) << name;
        EXPECT_FALSE(r.message.empty());
    }
    // Nothing was created on the way.
    EXPECT_TRUE(names_in(incoming()).empty());
}

TEST_F(StorageFolder, CheckOfferRefusesFilesOverTheLimit) {
    Storage s = make(OnConflict::Rename, MiB);
    EXPECT_NO_THROW(s.check_offer(offer("a.bin", 0)));
    EXPECT_NO_THROW(s.check_offer(offer("a.bin", MiB)));
    for (uint64_t size : {MiB + 1, 1000 * MiB, uint64_t{INT64_MAX}}) {
        Refusal r = refusal_of([&] { s.check_offer(offer("a.bin", size)); });
        EXPECT_EQ(r.code, proto::ErrorCode::TooLarge) << size;
        EXPECT_NE(r.message.find("exceeds the limit"), std::string::npos) << r.message;
    }
}

TEST_F(StorageFolder, NoLimitWhenTheLimitIsZero) {
    Storage s = make(OnConflict::Rename, 0);
    EXPECT_NO_THROW(s.check_offer(offer("big.bin", 16 * MiB)));
}

TEST_F(StorageFolder, CheckOfferRefusesTooManyChunks) {
    Storage s = make(OnConflict::Rename, 0);
    proto::Offer f = offer("many.bin");
    f.size = kMaxChunks * f.chunk_size + 1;
    Refusal r = refusal_of([&] { s.check_offer(f); });
    EXPECT_EQ(r.code, proto::ErrorCode::TooLarge) << r.message;

    // Exactly the most chunks may still be refused, but only for want of space.
    f.size = kMaxChunks * f.chunk_size;
    try {
        s.check_offer(f);
    } catch (const Refusal& e) {
        EXPECT_NE(e.code, proto::ErrorCode::TooLarge) << e.message;
    }
}

TEST_F(StorageFolder, CheckOfferRefusesFilesLargerThanTheFreeSpace) {
    Storage s = make(OnConflict::Rename, 0);
    proto::Offer f = offer("huge.bin");
    f.chunk_size = proto::kMaxChunk;
    f.size = kMaxChunks * f.chunk_size; // 1 PiB
    struct statvfs vfs {};
    ASSERT_EQ(::statvfs(incoming().c_str(), &vfs), 0);
    if (static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize >= f.size)
        GTEST_SKIP() << "the test folder has a petabyte free";
    Refusal r = refusal_of([&] { s.check_offer(f); });
    EXPECT_EQ(r.code, proto::ErrorCode::IoError) << r.message;
    EXPECT_FALSE(r.message.empty());
}

TEST_F(StorageFolder, CheckOfferRefusesExistingNamesOnlyWhenFailing) {
    fs::create_directories(incoming());
    write_file(incoming() / "a.txt", "old");
    fs::create_directory(incoming() / "dir");

    Storage fail = make(OnConflict::Fail);
    for (const char* name : {"a.txt", "dir"}) {
        Refusal r = refusal_of([&] { fail.check_offer(offer(name)); });
        EXPECT_EQ(r.code, proto::ErrorCode::Exists) << name;
        EXPECT_NE(r.message.find("already exists"), std::string::npos) << r.message;
    }
    EXPECT_NO_THROW(fail.check_offer(offer("b.txt")));

    EXPECT_NO_THROW(make(OnConflict::Rename).check_offer(offer("a.txt")));
    EXPECT_NO_THROW(make(OnConflict::Overwrite).check_offer(offer("a.txt")));
}

TEST_F(StorageFolder, PartialName) {
    proto::TransferId id{};
    for (size_t i = 0; i < id.size(); ++i)
        id[i] = static_cast<uint8_t>(i * 17);
    std::string name = Storage::partial_name(id);
    EXPECT_TRUE(name.starts_with(".streamd-")) << name;
    EXPECT_TRUE(name.ends_with(".part")) << name;
    EXPECT_EQ(name, ".streamd-00112233445566778899aabbccddeeff.part");
    // No offered name can ever be the name of a partial file.
    EXPECT_NE(proto::name_problem(name), std::nullopt);

    proto::TransferId other = id;
    other[15] ^= 1;
    EXPECT_NE(Storage::partial_name(other), name);
}

TEST_F(StorageFolder, CreatePartialMakesAHiddenSparseFile) {
    Storage s = make(OnConflict::Rename);
    const std::string partial = Storage::partial_name(offer("x").id);
    const uint64_t size = 64 * MiB + 5;
    UniqueFd fd = s.create_partial(partial, size);
    ASSERT_TRUE(fd);

    struct stat st = stat_of(incoming() / partial);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    EXPECT_EQ(static_cast<uint64_t>(st.st_size), size);
    // Sized up front without writing: nothing is allocated yet.
    EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, size);
    EXPECT_TRUE(partial.starts_with("."));

    struct stat by_fd {};
    ASSERT_EQ(::fstat(fd.get(), &by_fd), 0);
    EXPECT_EQ(by_fd.st_ino, st.st_ino);
    EXPECT_EQ(by_fd.st_dev, st.st_dev);
}

TEST_F(StorageFolder, CreatePartialOfAnEmptyFile) {
    Storage s = make(OnConflict::Rename);
    UniqueFd fd = s.create_partial(".streamd-empty.part", 0);
    ASSERT_TRUE(fd);
    EXPECT_EQ(stat_of(incoming() / ".streamd-empty.part").st_size, 0);
}

TEST_F(StorageFolder, CreatePartialRefusesASecondCreate) {
    Storage s = make(OnConflict::Rename);
    const std::string partial = Storage::partial_name(offer("x").id);
    UniqueFd first = partial_with(s, partial, "first transfer's data");

    Refusal r = refusal_of([&] { s.create_partial(partial, 10); });
    EXPECT_EQ(r.code, proto::ErrorCode::IoError);
    EXPECT_FALSE(r.message.empty());
    // The refusal leaves the first transfer's file alone.
    EXPECT_EQ(read_file(incoming() / partial), "first transfer's data");
}

TEST_F(StorageFolder, CommitMovesThePartialIntoPlace) {
    Storage s = make(OnConflict::Rename);
    proto::Offer f = offer("a.txt", 3);
    const std::string partial = Storage::partial_name(f.id);
    UniqueFd fd = partial_with(s, partial, "new");
    EXPECT_EQ(commit(s, fd.get(), partial, f), "a.txt");
    EXPECT_EQ(read_file(incoming() / "a.txt"), "new");
    EXPECT_EQ(names_in(incoming()), std::set<std::string>{"a.txt"});
}

TEST_F(StorageFolder, CommitRenamesOnAClash) {
    fs::create_directories(incoming());
    write_file(incoming() / "a.txt", "old");
    Storage s = make(OnConflict::Rename);

    proto::Offer f = offer("a.txt", 3);
    const std::string partial = Storage::partial_name(f.id);
    UniqueFd fd = partial_with(s, partial, "new");
    EXPECT_EQ(commit(s, fd.get(), partial, f), "a (1).txt");
    EXPECT_EQ(read_file(incoming() / "a.txt"), "old");
    EXPECT_EQ(read_file(incoming() / "a (1).txt"), "new");

    UniqueFd again = partial_with(s, partial, "newer");
    EXPECT_EQ(commit(s, again.get(), partial, f), "a (2).txt");
    EXPECT_EQ(read_file(incoming() / "a (2).txt"), "newer");
    EXPECT_EQ(names_in(incoming()), (std::set<std::string>{"a.txt", "a (1).txt", "a (2).txt"}));
}

TEST_F(StorageFolder, CommitOverwrites) {
    fs::create_directories(incoming());
    write_file(incoming() / "a.txt", "old contents");
    Storage s = make(OnConflict::Overwrite);

    proto::Offer f = offer("a.txt", 3);
    const std::string partial = Storage::partial_name(f.id);
    UniqueFd fd = partial_with(s, partial, "new");
    EXPECT_EQ(commit(s, fd.get(), partial, f), "a.txt");
    EXPECT_EQ(read_file(incoming() / "a.txt"), "new");
    EXPECT_EQ(names_in(incoming()), std::set<std::string>{"a.txt"});
}

TEST_F(StorageFolder, CommitRefusesAClashWhenFailingAndKeepsThePartial) {
    Storage s = make(OnConflict::Fail);
    proto::Offer f = offer("a.txt", 3);
    ASSERT_NO_THROW(s.check_offer(f));
    const std::string partial = Storage::partial_name(f.id);
    UniqueFd fd = partial_with(s, partial, "new");

    // The name was taken while the data moved.
    write_file(incoming() / "a.txt", "old");
    Refusal r = refusal_of([&] { commit(s, fd.get(), partial, f); });
    EXPECT_EQ(r.code, proto::ErrorCode::Exists);
    EXPECT_NE(r.message.find("already exists"), std::string::npos) << r.message;
    EXPECT_EQ(read_file(incoming() / "a.txt"), "old");
    EXPECT_EQ(read_file(incoming() / partial), "new");
    EXPECT_EQ(names_in(incoming()), (std::set<std::string>{"a.txt", partial}));
}

TEST_F(StorageFolder, CommitSetsModeAndMtime) {
    Storage s = make(OnConflict::Rename);
    proto::Offer f = offer("script.sh", 4);
    f.mode = 0750;
    f.mtime_sec = 1'600'000'000;
    f.mtime_nsec = 987'654'321;
    const std::string partial = Storage::partial_name(f.id);
    UniqueFd fd = partial_with(s, partial, "#!/b");
    ASSERT_EQ(commit(s, fd.get(), partial, f), "script.sh");

    struct stat st = stat_of(incoming() / "script.sh");
    EXPECT_EQ(st.st_mode & 07777, 0750u);
    EXPECT_EQ(st.st_mtim.tv_sec, 1'600'000'000);
    EXPECT_EQ(st.st_mtim.tv_nsec, 987'654'321);
}

TEST_F(StorageFolder, CommitIgnoresModeBitsOutside0777) {
    Storage s = make(OnConflict::Rename);
    proto::Offer f = offer("tool", 1);
    f.mode = 06755; // set-user-id and set-group-id must not arrive from the network
    const std::string partial = Storage::partial_name(f.id);
    UniqueFd fd = partial_with(s, partial, "x");
    ASSERT_EQ(commit(s, fd.get(), partial, f), "tool");
    EXPECT_EQ(stat_of(incoming() / "tool").st_mode & 07777, 0755u);
}

TEST_F(StorageFolder, DiscardRemovesThePartial) {
    Storage s = make(OnConflict::Rename);
    const std::string partial = Storage::partial_name(offer("x").id);
    { UniqueFd fd = partial_with(s, partial, "abandoned"); }
    ASSERT_TRUE(fs::exists(incoming() / partial));
    s.discard(partial);
    EXPECT_FALSE(fs::exists(incoming() / partial));
    EXPECT_TRUE(names_in(incoming()).empty());
    // Discarding twice is harmless.
    s.discard(partial);
}

} // namespace
} // namespace streamd

// Files sent between two real daemons, each on its own private bus, arrive intact.

#include "process.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <array>
#include <ctime>
#include <exception>
#include <filesystem>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

// Far from "now", so that a receiver which does not carry the mtime over cannot pass by luck.
constexpr std::time_t source_mtime = 1'000'000'000;
constexpr long source_mtime_nanoseconds = 123'456'789;

// A sender and a receiver, each with its own bus, shared by every test of a suite because
// starting daemons is the slow part.
class DaemonPair {
public:
    DaemonPair() = default;

    StreamdInstance sender;
    StreamdInstance receiver;

    std::string logs() { return "sender:\n" + sender.log() + "receiver:\n" + receiver.log(); }
};

// Either a running pair or the reason there is none, which every test of the suite reports.
struct SharedPair {
    std::unique_ptr<DaemonPair> pair;
    std::string startup_error;

    void start() {
        try {
            pair = std::make_unique<DaemonPair>();
        } catch (const std::exception& e) {
            startup_error = e.what();
        }
    }
};

// Removes a received file when a test ends, however it ends, so the disk does not fill up with
// copies of the large cases.
class RemoveOnExit {
public:
    explicit RemoveOnExit(fs::path path) : path_(std::move(path)) {}
    RemoveOnExit(const RemoveOnExit&) = delete;
    RemoveOnExit& operator=(const RemoveOnExit&) = delete;
    ~RemoveOnExit() {
        std::error_code ignored;
        fs::remove(path_, ignored);
    }

private:
    fs::path path_;
};

std::vector<std::string> send_args(const fs::path& file, const std::string& destination,
                                   std::optional<unsigned> streams,
                                   std::optional<std::string> chunk_size,
                                   std::optional<std::string> as_name) {
    std::vector<std::string> args = {"send", file.string(), destination};
    if (streams) args.insert(args.end(), {"--streams", std::to_string(*streams)});
    if (chunk_size) args.insert(args.end(), {"--chunk-size", *chunk_size});
    if (as_name) args.insert(args.end(), {"--as", *as_name});
    return args;
}

// stdout of a successful send is the one line "sent NAME to DEST as STORED: ...".
void expect_summary(const RunResult& result, const std::string& stored_name) {
    auto lines = lines_of(result.out);
    ASSERT_EQ(lines.size(), 1u) << "expected one summary line\n" << result.describe();
    EXPECT_TRUE(lines.front().starts_with("sent ")) << result.describe();
    EXPECT_NE(lines.front().find(" as " + stored_name + ":"), std::string::npos)
        << "summary does not name the stored file \"" << stored_name << "\"\n"
        << result.describe();
}

void expect_same_file(const fs::path& source, const std::string& source_sha256,
                      const fs::path& received) {
    ASSERT_TRUE(fs::is_regular_file(received)) << received << " did not arrive";
    FileFacts want = facts_of(source);
    FileFacts got = facts_of(received);
    EXPECT_EQ(got.size, want.size) << received;
    EXPECT_EQ(sha256_of(received), source_sha256) << received << " differs from " << source;
    EXPECT_EQ(got.mtime_seconds, want.mtime_seconds) << "mtime of " << received;
    EXPECT_EQ(got.permissions, want.permissions)
        << "permission bits of " << received << ": got 0" << std::oct << got.permissions
        << ", want 0" << want.permissions;
}

void expect_no_partial_files(const fs::path& incoming) {
    auto partials = partial_files_in(incoming);
    EXPECT_TRUE(partials.empty()) << "partial files left in " << incoming << ": "
                                  << ::testing::PrintToString(partials);
}

struct SizeCase {
    const char* label;
    std::uint64_t size;
    bool sparse;
    mode_t mode;
};

// Keeps gtest from printing the case as raw bytes.
void PrintTo(const SizeCase& size_case, std::ostream* out) {
    *out << size_case.label << " (" << size_case.size << " bytes)";
}

// Around the default 4 MiB chunk size, plus a file of many chunks and a sparse one too large to
// write out densely.
constexpr std::array size_cases = {
    SizeCase{"Empty", 0, false, 0644},
    SizeCase{"OneByte", 1, false, 0644},
    SizeCase{"ChunkMinusOne", 4 * MiB - 1, false, 0644},
    SizeCase{"OneChunk", 4 * MiB, false, 0644},
    SizeCase{"ChunkPlusOne", 4 * MiB + 1, false, 0640},
    SizeCase{"SixteenChunksPlusSeven", 64 * MiB + 7, false, 0644},
    SizeCase{"Sparse2GiB", 2 * GiB, true, 0644},
};

struct SourceFile {
    fs::path path;
    std::string sha256;
};

fs::path make_source(const fs::path& dir, const SizeCase& size_case, std::uint64_t seed) {
    fs::path file = dir / (std::string(size_case.label) + ".src");
    if (size_case.sparse) {
        // Blocks at the start, straddling the first chunk boundary, in the middle and at the
        // very end.
        const std::array<std::uint64_t, 4> offsets = {0, 4 * MiB - 2 * KiB, GiB + 40 * KiB,
                                                      size_case.size - 4 * KiB};
        write_sparse_file(file, size_case.size, offsets, seed);
    } else {
        write_random_file(file, size_case.size, seed);
    }
    fs::permissions(file, fs::perms(size_case.mode));
    set_mtime(file, source_mtime, source_mtime_nanoseconds);
    return file;
}

using RoundTripParam = std::tuple<SizeCase, unsigned>;

class RoundTrip : public ::testing::TestWithParam<RoundTripParam> {
protected:
    static void SetUpTestSuite() {
        shared_ = std::make_unique<SharedPair>();
        shared_->start();
        sources_dir_ = std::make_unique<fixtures::TempDir>("streamd-it-sources");
        sources_ = std::make_unique<std::map<std::string, SourceFile>>();
    }

    static void TearDownTestSuite() {
        shared_.reset();
        sources_.reset();
        sources_dir_.reset();
    }

    void SetUp() override {
        if (!shared_->pair) FAIL() << "daemons did not start:\n" << shared_->startup_error;
    }

    DaemonPair& pair() { return *shared_->pair; }

    // Made on first use and kept for the other stream counts.
    const SourceFile& source(const SizeCase& size_case) {
        auto found = sources_->find(size_case.label);
        if (found != sources_->end()) return found->second;
        fs::path file = make_source(sources_dir_->path(), size_case, 0x5eed0000 + sources_->size());
        SourceFile made{file, sha256_of(file)};
        return sources_->emplace(size_case.label, std::move(made)).first->second;
    }

private:
    static inline std::unique_ptr<SharedPair> shared_;
    static inline std::unique_ptr<fixtures::TempDir> sources_dir_;
    static inline std::unique_ptr<std::map<std::string, SourceFile>> sources_;
};

TEST_P(RoundTrip, ArrivesIdentical) {
    const auto& [size_case, streams] = GetParam();
    DaemonPair& daemons = pair();
    const SourceFile& src = source(size_case);
    const std::string name =
        std::string("round-trip-") + size_case.label + "-" + std::to_string(streams) + ".bin";
    const fs::path received = daemons.receiver.incoming() / name;
    RemoveOnExit cleanup(received);

    RunResult result =
        run_streamctl(daemons.sender.bus_address(), send_args(src.path, daemons.receiver.endpoint(),
                                                              streams, std::nullopt, name));

    ASSERT_TRUE(result.status.success()) << result.describe() << "\n" << daemons.logs();
    expect_summary(result, name);
    expect_same_file(src.path, src.sha256, received);
    expect_no_partial_files(daemons.receiver.incoming());
}

INSTANTIATE_TEST_SUITE_P(SizesAndStreams, RoundTrip,
                         ::testing::Combine(::testing::ValuesIn(size_cases),
                                            ::testing::Values(1u, 4u, 8u)),
                         [](const ::testing::TestParamInfo<RoundTripParam>& info) {
                             return std::string(std::get<0>(info.param).label) + "_Streams" +
                                    std::to_string(std::get<1>(info.param));
                         });

class Transfers : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        shared_ = std::make_unique<SharedPair>();
        shared_->start();
    }
    static void TearDownTestSuite() { shared_.reset(); }

    void SetUp() override {
        if (!shared_->pair) FAIL() << "daemons did not start:\n" << shared_->startup_error;
    }

    DaemonPair& pair() { return *shared_->pair; }

    fixtures::TempDir sources_{"streamd-it-sources"};

private:
    static inline std::unique_ptr<SharedPair> shared_;
};

TEST_F(Transfers, SmallChunksOverEightStreams) {
    const fs::path source = sources_ / "small-chunks.bin";
    write_random_file(source, MiB + 3, 0xc0ffee);
    set_mtime(source, source_mtime, source_mtime_nanoseconds);
    const std::string name = "small-chunks.bin";

    RunResult result =
        run_streamctl(pair().sender.bus_address(),
                      send_args(source, pair().receiver.endpoint(), 8u, "64K", name));

    ASSERT_TRUE(result.status.success()) << result.describe() << "\n" << pair().logs();
    expect_summary(result, name);
    expect_same_file(source, sha256_of(source), pair().receiver.incoming() / name);
    expect_no_partial_files(pair().receiver.incoming());
}

TEST_F(Transfers, NameClashIsStoredUnderANewName) {
    const fs::path source = sources_ / "clash.txt";
    write_random_file(source, 10 * KiB + 5, 0xc1a5);
    const std::string source_sha256 = sha256_of(source);
    const auto args =
        send_args(source, pair().receiver.endpoint(), std::nullopt, std::nullopt, "clash.txt");

    RunResult first = run_streamctl(pair().sender.bus_address(), args);
    ASSERT_TRUE(first.status.success()) << first.describe() << "\n" << pair().logs();
    expect_summary(first, "clash.txt");

    RunResult second = run_streamctl(pair().sender.bus_address(), args);
    ASSERT_TRUE(second.status.success()) << second.describe() << "\n" << pair().logs();
    expect_summary(second, "clash (1).txt");

    expect_same_file(source, source_sha256, pair().receiver.incoming() / "clash.txt");
    expect_same_file(source, source_sha256, pair().receiver.incoming() / "clash (1).txt");
    expect_no_partial_files(pair().receiver.incoming());
}

// A receiver with on_conflict = "overwrite": a name that arrives again replaces the file.
TEST(NameClash, OverwriteReplacesTheOldFileUnderItsName) {
    StreamdInstance receiver{StreamdOptions{.on_conflict = "overwrite"}};
    StreamdInstance sender;
    fixtures::TempDir sources{"streamd-it-sources"};
    const fs::path first = sources / "first.bin";
    const fs::path second = sources / "second.bin";
    write_random_file(first, 40 * KiB + 1, 0x0f1);
    // Another size too, so that a file only partly rewritten cannot pass.
    write_random_file(second, 24 * KiB + 7, 0x0f2);
    auto logs = [&] { return "sender:\n" + sender.log() + "receiver:\n" + receiver.log(); };

    for (const fs::path& source : {first, second}) {
        RunResult sent =
            run_streamctl(sender.bus_address(), send_args(source, receiver.endpoint(), std::nullopt,
                                                          std::nullopt, "same.bin"));
        ASSERT_TRUE(sent.status.success()) << sent.describe() << "\n" << logs();
        expect_summary(sent, "same.bin");
    }

    expect_same_file(second, sha256_of(second), receiver.incoming() / "same.bin");
    EXPECT_EQ(entries_in(receiver.incoming()), std::vector<std::string>{"same.bin"})
        << "want the one file, no \"same (1).bin\" and no partial files\n"
        << logs();
}

// Whitespace between JSON tokens is free, so drop it before looking for "key":"value".
std::string without_insignificant_whitespace(const std::string& json) {
    std::string result;
    bool in_string = false;
    bool escaped = false;
    for (char c : json) {
        if (in_string) {
            result += c;
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
            result += c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            result += c;
        }
    }
    return result;
}

TEST_F(Transfers, ListAsJsonShowsFinishedTransfers) {
    const fs::path source = sources_ / "listed.bin";
    write_random_file(source, 3 * KiB, 0x115);
    RunResult send = run_streamctl(
        pair().sender.bus_address(),
        send_args(source, pair().receiver.endpoint(), std::nullopt, std::nullopt, "listed.bin"));
    ASSERT_TRUE(send.status.success()) << send.describe() << "\n" << pair().logs();

    RunResult list = run_streamctl(pair().sender.bus_address(), {"list", "--json"});
    ASSERT_TRUE(list.status.success()) << list.describe() << "\n" << pair().logs();
    const std::string json = without_insignificant_whitespace(list.out);
    ASSERT_FALSE(json.empty()) << list.describe();
    EXPECT_EQ(json.front(), '[') << list.describe();
    EXPECT_EQ(json.back(), ']') << list.describe();
    EXPECT_NE(json.find("\"state\":\"done\""), std::string::npos) << list.describe();
    EXPECT_NE(json.find("\"name\":\"listed.bin\""), std::string::npos) << list.describe();
    for (const char* key :
         {"id", "direction", "state", "name", "peer", "size", "bytes_done", "path"})
        EXPECT_NE(json.find("\"" + std::string(key) + "\":"), std::string::npos)
            << "key " << key << " missing\n"
            << list.describe();
}

} // namespace
} // namespace streamd::it

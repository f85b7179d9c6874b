// Every way a send can fail ends with a non-zero exit, one clear line on stderr, and nothing
// half-written on the receiver.

#include "control_expectations.hpp"
#include "dbus_bus.hpp"
#include "process.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "unused_port.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

// One sender and two receivers whose configuration makes them refuse offers.
struct ErrorDaemons {
    // Reachable by other users, so that streamctl can run as nobody against it.
    StreamdInstance sender{StreamdOptions{.bus_allows_any_user = true}};
    StreamdInstance small_limit{StreamdOptions{.max_file_size = "\"1K\""}};
    StreamdInstance refuses_clashes{StreamdOptions{.on_conflict = "fail"}};

    std::string logs() {
        return "sender:\n" + sender.log() + "receiver with 1K limit:\n" + small_limit.log() +
               "receiver refusing clashes:\n" + refuses_clashes.log();
    }
};

void expect_no_partial_files(const fs::path& incoming) {
    auto partials = partial_files_in(incoming);
    EXPECT_TRUE(partials.empty()) << "partial files left in " << incoming << ": "
                                  << ::testing::PrintToString(partials);
}

class SendErrors : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        try {
            daemons_ = std::make_unique<ErrorDaemons>();
        } catch (const std::exception& e) {
            startup_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { daemons_.reset(); }

    void SetUp() override {
        if (!daemons_) FAIL() << "daemons did not start:\n" << startup_error_;
        // Readable for everybody down to the files, so that only a file's own mode can stop
        // another user.
        fs::permissions(sources_.path(), fs::perms(0755));
    }

    ErrorDaemons& daemons() { return *daemons_; }

    RunResult send(const fs::path& file, const std::string& destination,
                   std::vector<std::string> extra = {}, const StreamctlOptions& options = {}) {
        std::vector<std::string> args = {"send", file.string(), destination};
        args.insert(args.end(), extra.begin(), extra.end());
        return run_streamctl(daemons().sender.bus_address(), args, options);
    }

    fixtures::TempDir sources_{"streamd-it-sources"};

private:
    static inline std::unique_ptr<ErrorDaemons> daemons_;
    static inline std::string startup_error_;
};

TEST_F(SendErrors, MissingFile) {
    RunResult result = send(sources_ / "does-not-exist.bin", daemons().small_limit.endpoint());
    expect_streamctl_failure(result, {"cannot open", "No such file or directory"});
}

TEST_F(SendErrors, UnreadableFile) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to run streamctl as another user";
    const fs::path file = sources_ / "private.bin";
    write_random_file(file, 4 * KiB, 0x600);
    fs::permissions(file, fs::perms(0600));

    RunResult result = send(file, daemons().small_limit.endpoint(), {}, {.as_nobody = true});
    expect_streamctl_failure(result, {"Permission denied"});
}

TEST_F(SendErrors, Fifo) {
    const fs::path fifo = sources_ / "a-fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    RunResult result = send(fifo, daemons().small_limit.endpoint());
    expect_streamctl_failure(result, {"is neither a regular file nor a folder"});
}

TEST_F(SendErrors, UnknownHost) {
    const fs::path file = sources_ / "to-nowhere.bin";
    write_random_file(file, 4 * KiB, 0xdead);
    RunResult result = send(file, "no-such-host.invalid");
    expect_streamctl_failure(result, {"unknown host"});
}

TEST_F(SendErrors, ConnectionRefused) {
    const fs::path file = sources_ / "refused.bin";
    write_random_file(file, 4 * KiB, 0x0ff);
    RunResult result = send(file, "127.0.0.1:" + std::to_string(unused_port()));
    expect_streamctl_failure(result, {"Connection refused"});
}

TEST_F(SendErrors, FileLargerThanPeerAccepts) {
    const fs::path file = sources_ / "too-big.bin";
    write_random_file(file, 4 * KiB, 0xb16);
    RunResult result = send(file, daemons().small_limit.endpoint());
    expect_streamctl_failure(result, {"rejected by peer", "exceeds the limit"});
    if (HasFailure()) ADD_FAILURE() << daemons().logs();
    EXPECT_FALSE(fs::exists(daemons().small_limit.incoming() / "too-big.bin"));
    expect_no_partial_files(daemons().small_limit.incoming());
}

TEST_F(SendErrors, NameClashRefusedByPeer) {
    const fs::path existing = daemons().refuses_clashes.incoming() / "taken.txt";
    write_text_file(existing, "already here\n");
    const std::string existing_sha256 = sha256_of(existing);
    const fs::path file = sources_ / "taken.txt";
    write_random_file(file, 4 * KiB, 0x7a);

    RunResult result = send(file, daemons().refuses_clashes.endpoint());
    expect_streamctl_failure(result, {"rejected by peer", "already exists"});
    if (HasFailure()) ADD_FAILURE() << daemons().logs();
    EXPECT_EQ(sha256_of(existing), existing_sha256) << "the existing file was changed";
    EXPECT_FALSE(fs::exists(daemons().refuses_clashes.incoming() / "taken (1).txt"));
    expect_no_partial_files(daemons().refuses_clashes.incoming());
}

TEST(StreamctlWithoutDaemon, ReportsDaemonNotRunning) {
    DbusBus empty_bus;
    RunResult result = run_streamctl(empty_bus.address(), {"list"});
    expect_streamctl_failure(result, {"streamd is not running"});
}

} // namespace
} // namespace streamd::it

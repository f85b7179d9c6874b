// A disk that fills up in the middle of a transfer: the transfer fails on both ends, the
// receiver says why, keeps its partial file for a resume and goes on serving; with room again,
// sending the file once more resumes it. A disk that fails (EIO) fails the transfer with the
// error named on both ends.

#include "control_expectations.hpp"
#include "raw_peer.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "wait_until.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

// Writes zeros into `file` until the file system says it is full.
void fill_up(const fs::path& file) {
    std::ofstream out(file, std::ios::binary);
    const std::vector<char> zeros(1 << 20, 0);
    while (out.write(zeros.data(), static_cast<std::streamsize>(zeros.size())))
        out.flush();
}

TEST(DiskFull, TransferFailsAndTheReceiverKeepsServing) {
    if (::geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    RelayedPair pair(StreamdOptions{},
                     StreamdOptions{.reserve = "0", .incoming_tmpfs_size = "16m"});
    // The offer passes the free-space check; the disk fills while the relay holds the rest.
    pair.relay.hold_after(1 << 20);
    fixtures::TempDir files("streamd-it-disk-full");
    write_random_file(files / "big.bin", 12 << 20, 7);

    auto sent = run_streamctl(pair.sender.bus_address(),
                              {"send", "--no-block", "--chunk-size", "256K",
                               (files / "big.bin").string(), pair.relay.endpoint()});
    ASSERT_TRUE(succeeded(sent)) << sent.describe();
    auto ids = queued_ids(sent);
    ASSERT_TRUE(ids && ids->size() == 1) << sent.describe();
    // Some chunks in before the disk fills, so that there is something to resume from.
    ASSERT_TRUE(wait_until([&] {
        auto rows = pair.receiver_bus.list_transfers();
        return rows.size() == 1 && rows[0].state == "running" && rows[0].bytes_done > 0;
    })) << pair.logs();

    fill_up(pair.receiver.incoming() / "filler");
    pair.relay.release();

    std::optional<TransferRow> out;
    ASSERT_TRUE(wait_until([&] {
        out = pair.sender_bus.find_transfer(ids->front());
        return out && out->state == "failed";
    })) << pair.logs();
    // The sender's reason depends on which of its streams hears first: the receiver's ERROR
    // or the reset of a stream it closed. The receiver's own reason is exact.
    EXPECT_FALSE(out->error.empty());
    auto in = pair.receiver_bus.list_transfers();
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0].state, "failed");
    EXPECT_NE(in[0].error.find("cannot write the file: No space left on device"), std::string::npos)
        << in[0].error;

    // The filler, and the partial file with its journal.
    std::vector<std::string> left;
    EXPECT_TRUE(wait_until([&] {
        left = entries_in(pair.receiver.incoming());
        return left.size() == 3 && left[2] == "filler" && left[0].ends_with(".journal") &&
               left[1].ends_with(".part");
    })) << ::testing::PrintToString(left)
        << pair.logs();
    fs::remove(pair.receiver.incoming() / "filler");
    EXPECT_TRUE(welcomed(pair.receiver.port())) << pair.logs();

    // With room again, the same file arrives whole, and what arrived before is not sent again.
    const std::uint64_t before = pair.relay.counts().to_server;
    auto again = run_streamctl(
        pair.sender.bus_address(),
        {"send", "--chunk-size", "256K", (files / "big.bin").string(), pair.relay.endpoint()});
    ASSERT_TRUE(succeeded(again)) << again.describe() << pair.logs();
    EXPECT_EQ(sha256_of(pair.receiver.incoming() / "big.bin"), sha256_of(files / "big.bin"));
    EXPECT_LT(pair.relay.counts().to_server - before, std::uint64_t{12} << 20) << pair.logs();
    EXPECT_EQ(entries_in(pair.receiver.incoming()), std::vector<std::string>{"big.bin"});
}

TEST(DiskFails, TheTransferFailsWithTheErrorNamedOnBothEnds) {
    RelayedPair pair(StreamdOptions{},
                     StreamdOptions{.reserve = "0", .disk_image_bytes = 256 << 20});
    pair.relay.hold_after(2 << 20);
    fixtures::TempDir files("streamd-it-disk-fails");
    write_random_file(files / "doomed.bin", 24 << 20, 8);
    auto sending = start_streamctl(pair.sender.bus_address(),
                                   {"send", "--streams", "1", "--chunk-size", "256K",
                                    (files / "doomed.bin").string(), pair.relay.endpoint()});
    ASSERT_TRUE(wait_until([&] {
        auto rows = pair.receiver_bus.list_transfers();
        return rows.size() == 1 && rows[0].state == "running" && rows[0].bytes_done > 0;
    })) << pair.logs();

    pair.receiver.fail_disk();
    pair.relay.release();
    const auto status = sending.wait_for(std::chrono::minutes(1));
    ASSERT_TRUE(status) << pair.logs();
    EXPECT_FALSE(status->success());
    EXPECT_NE(sending.stderr_text().find("Input/output error"), std::string::npos)
        << sending.stderr_text() << pair.logs();
    auto in = pair.receiver_bus.list_transfers();
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0].state, "failed");
    EXPECT_NE(in[0].error.find("Input/output error"), std::string::npos) << in[0].error;
    EXPECT_FALSE(fs::exists(pair.receiver.incoming() / "doomed.bin"));
    EXPECT_TRUE(welcomed(pair.receiver.port())) << pair.logs();
}

} // namespace
} // namespace streamd::it

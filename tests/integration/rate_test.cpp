// Bandwidth limits on real daemons: a transfer under its own limit and under the daemon's
// arrives whole on both data paths and says its limit, so does a download, and a reload
// lifts the daemon's limit for a transfer already running. How close the rate
// comes to the limit is measured by `make bench`, not here.
#include "control_expectations.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "wait_until.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

bool done(StreamdBus& bus, uint32_t id) {
    auto row = bus.find_transfer(id);
    return row && row->state == "done";
}

TEST(Rate, ATransferUnderItsOwnLimitArrivesWholeAndShowsTheLimit) {
    StreamdInstance sender;
    StreamdInstance receiver;
    fixtures::TempDir files("streamd-it-rate");
    write_random_file(files / "limited.bin", 6 << 20, 31);
    auto queued =
        run_streamctl(sender.bus_address(),
                      {"send", "--no-block", "--rate", "8M", "--streams", "4", "--chunk-size", "1M",
                       (files / "limited.bin").string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(queued)) << sender.log();
    auto ids = queued_ids(queued);
    ASSERT_TRUE(ids && ids->size() == 1) << queued.describe();
    auto status = run_streamctl(sender.bus_address(), {"status", std::to_string(ids->front())});
    EXPECT_NE(status.out.find("Rate limit: 8.00 MiB/s"), std::string::npos) << status.out;
    StreamdBus bus(sender.bus_address());
    ASSERT_TRUE(wait_until([&] { return done(bus, ids->front()); }))
        << sender.log() << receiver.log();
    EXPECT_EQ(sha256_of(receiver.incoming() / "limited.bin"), sha256_of(files / "limited.bin"));
    auto json =
        run_streamctl(sender.bus_address(), {"status", "--json", std::to_string(ids->front())});
    EXPECT_NE(json.out.find("\"max_rate\":8388608"), std::string::npos) << json.out;
}

TEST(Rate, TheDaemonsLimitHoldsOnTheEncryptedPathToo) {
    fixtures::TempDir keys("streamd-it-rate-key");
    StreamdInstance receiver(StreamdOptions{.secret_file = keys / "shared.key"});
    StreamdInstance sender(
        StreamdOptions{.max_rate = "\"16M\"", .secret_file = keys / "shared.key"});
    fixtures::TempDir files("streamd-it-rate");
    write_random_file(files / "sealed.bin", 6 << 20, 32);
    auto sent =
        run_streamctl(sender.bus_address(), {"send", "--streams", "2", "--chunk-size", "1M",
                                             (files / "sealed.bin").string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(sent)) << sender.log() << receiver.log();
    EXPECT_EQ(sha256_of(receiver.incoming() / "sealed.bin"), sha256_of(files / "sealed.bin"));
    auto status = run_streamctl(sender.bus_address(), {"status", "1"});
    EXPECT_NE(status.out.find("Encryption: TLS1.3"), std::string::npos) << status.out;
}

TEST(Rate, ADownloadUnderTheDaemonsLimitArrivesWhole) {
    StreamdInstance daemon(StreamdOptions{.max_rate = "\"16M\""});
    write_random_file(daemon.incoming() / "served.bin", 6 << 20, 34);
    fixtures::TempDir out("streamd-it-rate");
    SpawnOptions curl;
    curl.argv = {"curl",
                 "--silent",
                 "--show-error",
                 "--fail",
                 "--output",
                 (out / "served.bin").string(),
                 "http://127.0.0.1:" + std::to_string(daemon.port()) + "/files/served.bin"};
    RunResult r = run(curl, std::chrono::seconds(90));
    ASSERT_TRUE(r.status.success()) << r.describe() << daemon.log();
    EXPECT_EQ(sha256_of(out / "served.bin"), sha256_of(daemon.incoming() / "served.bin"));
}

TEST(Rate, AReloadLiftsTheDaemonsLimitForARunningTransfer) {
    // At 64 KiB/s the file would take over four minutes; without the limit, moments.
    StreamdOptions limited{.max_rate = "\"64K\""};
    StreamdInstance sender(limited);
    StreamdInstance receiver;
    fixtures::TempDir files("streamd-it-rate");
    write_random_file(files / "held back.bin", 16 << 20, 33);
    // Small chunks, so that the first is acknowledged within a second or so.
    auto queued = run_streamctl(sender.bus_address(),
                                {"send", "--no-block", "--streams", "1", "--chunk-size", "64K",
                                 (files / "held back.bin").string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(queued)) << sender.log();
    const uint32_t id = queued_ids(queued).value().front();
    StreamdBus bus(sender.bus_address());
    ASSERT_TRUE(wait_until([&] {
        auto row = bus.find_transfer(id);
        return row && row->state == "running" && row->bytes_done > 0;
    })) << sender.log();

    EXPECT_EQ(bus.stats().at("MaxRate").get<std::uint64_t>(), 64U << 10);
    StreamdOptions unlimited = limited;
    unlimited.max_rate = "0";
    sender.rewrite_config(unlimited);
    ASSERT_TRUE(succeeded(run_streamctl(sender.bus_address(), {"reload"}))) << sender.log();
    EXPECT_EQ(bus.stats().at("MaxRate").get<std::uint64_t>(), 0U);
    ASSERT_TRUE(wait_until([&] { return done(bus, id); })) << sender.log() << receiver.log();
    EXPECT_EQ(sha256_of(receiver.incoming() / "held back.bin"), sha256_of(files / "held back.bin"));
}

} // namespace
} // namespace streamd::it

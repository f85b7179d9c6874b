// GET /metrics on real daemons: what they moved, as Prometheus reads it, checked by
// promtool; and who may read it.
#include "auth_proof.hpp"
#include "control_expectations.hpp"
#include "machine_address.hpp"
#include "native_frames.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "unused_port.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

// A GET with curl: the body, then a line with the status and the Content-Type.
RunResult curl_get(const std::string& url, const std::vector<std::string>& headers = {}) {
    SpawnOptions spawn;
    spawn.argv = {"curl", "--silent", "--show-error", "--write-out",
                  "\n%{http_code} %{content_type}"};
    for (const auto& h : headers)
        spawn.argv.insert(spawn.argv.end(), {"--header", h});
    spawn.argv.push_back(url);
    return run(spawn, std::chrono::seconds(90));
}

std::string metrics_of(const StreamdInstance& daemon) {
    RunResult r = curl_get("http://127.0.0.1:" + std::to_string(daemon.port()) + "/metrics");
    const std::string_view expected_tail = "\n200 text/plain; version=0.0.4; charset=utf-8";
    EXPECT_TRUE(r.out.ends_with(expected_tail)) << r.describe();
    return r.out.substr(0, r.out.size() - std::min(r.out.size(), expected_tail.size()));
}

// The value of the sample `series` ("name{labels}"), if the text has it.
std::optional<double> sample(const std::string& text, const std::string& series) {
    for (const auto& line : lines_of(text))
        if (line.starts_with(series + " "))
            return std::strtod(line.c_str() + series.size(), nullptr);
    return std::nullopt;
}

// promtool's verdict on the text: empty when it finds nothing wrong.
std::string promtool_findings(const std::string& text) {
    const char* promtool = std::getenv("PROMTOOL");
    if (promtool == nullptr || *promtool == '\0') return "PROMTOOL is not set";
    fixtures::TempDir dir("streamd-it-metrics");
    std::ofstream(dir / "metrics.txt") << text;
    SpawnOptions spawn;
    spawn.argv = {"sh", "-c", "\"$0\" check metrics < \"$1\"", promtool,
                  (dir / "metrics.txt").string()};
    RunResult r = run(spawn, std::chrono::seconds(60));
    return r.status.success() && r.out.empty() && r.err.empty() ? "" : r.describe();
}

TEST(Metrics, CountWhatTheDaemonsMovedAndPassPromtool) {
    StreamdInstance sender(StreamdOptions{.reconnect_attempts = 0});
    StreamdInstance receiver;
    fixtures::TempDir files("streamd-it-metrics");
    constexpr uint64_t kSize = 3 * 1024 * 1024 + 5;
    write_random_file(files / "counted.bin", kSize, 17);
    auto sent = run_streamctl(sender.bus_address(),
                              {"send", (files / "counted.bin").string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(sent)) << sender.log() << receiver.log();
    // Nothing listens there: a failure to connect.
    auto refused =
        run_streamctl(sender.bus_address(), {"send", (files / "counted.bin").string(),
                                             "127.0.0.1:" + std::to_string(unused_port())});
    ASSERT_FALSE(succeeded(refused));

    const std::string out = metrics_of(sender);
    EXPECT_EQ(promtool_findings(out), "") << out;
    EXPECT_EQ(sample(out, "streamd_bytes_total{direction=\"out\"}"), kSize) << out;
    EXPECT_EQ(sample(out, "streamd_transfers_ended_total{direction=\"out\",result=\"done\"}"), 1)
        << out;
    EXPECT_EQ(sample(out, "streamd_transfers_ended_total{direction=\"out\",result=\"failed\"}"), 1)
        << out;
    EXPECT_EQ(sample(out, "streamd_transfer_failures_total{reason=\"connection\"}"), 1) << out;
    EXPECT_EQ(sample(out, "streamd_transfer_failures_total{reason=\"storage\"}"), 0) << out;
    EXPECT_EQ(sample(out, "streamd_transfer_duration_seconds_count{direction=\"out\"}"), 1) << out;
    EXPECT_EQ(sample(out, "streamd_transfers{direction=\"out\",state=\"active\"}"), 0) << out;

    const std::string in = metrics_of(receiver);
    EXPECT_EQ(promtool_findings(in), "") << in;
    EXPECT_EQ(sample(in, "streamd_bytes_total{direction=\"in\"}"), kSize) << in;
    EXPECT_EQ(sample(in, "streamd_transfers_ended_total{direction=\"in\",result=\"done\"}"), 1)
        << in;
    EXPECT_EQ(sample(in, "streamd_transfer_duration_seconds_bucket{direction=\"in\",le=\"+Inf\"}"),
              1)
        << in;
    EXPECT_EQ(sample(in, "streamd_bytes_total{direction=\"out\"}"), 0) << in;
    // At least the request's own connection is open.
    EXPECT_GE(sample(in, "streamd_connections").value_or(0), 1) << in;
}

TEST(Metrics, ClientsOffLoopbackShowTheToken) {
    auto address = non_loopback_address();
    if (!address) GTEST_SKIP() << "this machine has no address besides loopback";
    fixtures::TempDir keys("streamd-it-metrics-key");
    constexpr std::string_view kKey = "a key for the metrics";
    std::ofstream(keys / "metrics.key") << kKey;
    fs::permissions(keys / "metrics.key", fs::perms::owner_read | fs::perms::owner_write);
    StreamdInstance daemon(
        StreamdOptions{.secret_file = keys / "metrics.key", .address = *address});
    const std::string url = "http://" + *address + ":" + std::to_string(daemon.port()) + "/metrics";
    const auto token = proto::to_hex(
        proto::web_token(std::span(reinterpret_cast<const uint8_t*>(kKey.data()), kKey.size())));

    // The token as docs/METRICS.md tells the key's holder to make it.
    SpawnOptions made;
    made.argv = {"sh", "-c",
                 "printf 'streamd web token v1' | openssl dgst -sha256 -r -mac HMAC -macopt "
                 "hexkey:$(od -An -tx1 -v \"$0\" | tr -d ' \\n') | cut -d' ' -f1",
                 (keys / "metrics.key").string()};
    EXPECT_EQ(run(made, std::chrono::seconds(30)).out, token + "\n");

    RunResult without = curl_get(url);
    EXPECT_EQ(without.out, "the key is needed: enter it on the page first\n\n403 text/plain; "
                           "charset=utf-8")
        << without.describe();
    EXPECT_TRUE(curl_get(url, {"Authorization: Bearer " + std::string(64, '0')})
                    .out.ends_with("\n403 text/plain; charset=utf-8"));
    RunResult with = curl_get(url, {"Authorization: Bearer " + token});
    EXPECT_TRUE(with.out.ends_with("\n200 text/plain; version=0.0.4; charset=utf-8"))
        << with.describe() << daemon.log();
    EXPECT_NE(with.out.find("streamd_build_info{version="), std::string::npos) << with.out;
}

} // namespace
} // namespace streamd::it

// `streamctl stats`: the daemon's totals, for people and as JSON, whatever the daemon left
// out.

#include "ctl/stats_json.hpp"
#include "ctl/stats_text.hpp"
#include "ctl/timestamp.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <string>

using namespace streamd::ctl;
namespace {

// 2026-11-21 14:29:47 UTC in microseconds since the epoch; how it reads in local time is
// format_timestamp's business, tested with the status lines.
constexpr uint64_t kSaturdayAfternoon = 1795271387000000;

DaemonStats full() {
    DaemonStats s;
    s.bytes_in = 13207024435ull; // 12.3 GiB
    s.bytes_out = 1ull << 30;
    s.transfers_done = 10;
    s.transfers_failed = 1;
    s.transfers_canceled = 2;
    s.active_in = 2;
    s.active_out = 1;
    s.queued = 3;
    s.rate_in = 512ull << 20;
    s.rate_out = 0;
    s.max_active = 4;
    s.keep_finished = 3600;
    s.started_at = kSaturdayAfternoon;
    s.version = "0.2.0";
    return s;
}

} // namespace

TEST(CtlStatsText, Everything) {
    EXPECT_EQ(format_stats_text(full()),
              "            Received: 12.3 GiB\n"
              "                Sent: 1.00 GiB\n"
              "Done/Failed/Canceled: 10/1/2\n"
              "              Active: 2 in, 1 out, 3 queued (max 4 outgoing)\n"
              "                Rate: in 512 MiB/s, out 0 B/s\n"
              "            Up since: " +
                  format_timestamp(kSaturdayAfternoon) +
                  "\n"
                  "             Version: 0.2.0\n");
}

TEST(CtlStatsText, NothingKnown) {
    EXPECT_EQ(format_stats_text({}), "");
}

TEST(CtlStatsText, MissingValuesAreLeftOut) {
    DaemonStats s;
    s.bytes_in = 1500;
    s.version = "0.1.0";
    // Keys align among the lines that are shown.
    EXPECT_EQ(format_stats_text(s), "Received: 1.46 KiB\n"
                                    " Version: 0.1.0\n");
}

TEST(CtlStatsText, PartlyKnownLinesShowWhatIsThere) {
    DaemonStats s;
    s.transfers_failed = 1;
    s.active_out = 2;
    s.max_active = 4;
    s.rate_out = 1024;
    EXPECT_EQ(format_stats_text(s), "Done/Failed/Canceled: -/1/-\n"
                                    "              Active: 2 out (max 4 outgoing)\n"
                                    "                Rate: out 1.00 KiB/s\n");
}

TEST(CtlStatsText, AStartOfZeroIsNotATime) {
    DaemonStats s;
    s.started_at = 0;
    EXPECT_EQ(format_stats_text(s), "");
}

TEST(CtlStatsText, VersionIsMadePrintable) {
    DaemonStats s;
    s.version = "1\x1b[2J";
    EXPECT_EQ(format_stats_text(s), "Version: 1?[2J\n");
}

TEST(CtlStatsJson, EverythingCompact) {
    EXPECT_EQ(format_stats_json(full(), JsonStyle::Compact),
              R"({"bytes_in":13207024435,"bytes_out":1073741824,"transfers_done":10,)"
              R"("transfers_failed":1,"transfers_canceled":2,"active_in":2,"active_out":1,)"
              R"("queued":3,"rate_in":536870912,"rate_out":0,"max_active":4,)"
              R"("keep_finished":3600,"started_at":1795271387000000,"version":"0.2.0"})");
}

TEST(CtlStatsJson, EverythingPretty) {
    EXPECT_EQ(format_stats_json(full(), JsonStyle::Pretty), R"({
  "bytes_in": 13207024435,
  "bytes_out": 1073741824,
  "transfers_done": 10,
  "transfers_failed": 1,
  "transfers_canceled": 2,
  "active_in": 2,
  "active_out": 1,
  "queued": 3,
  "rate_in": 536870912,
  "rate_out": 0,
  "max_active": 4,
  "keep_finished": 3600,
  "started_at": 1795271387000000,
  "version": "0.2.0"
})");
}

TEST(CtlStatsJson, MissingKeysAreLeftOut) {
    EXPECT_EQ(format_stats_json({}, JsonStyle::Compact), "{}");
    EXPECT_EQ(format_stats_json({}, JsonStyle::Pretty), "{}");
    DaemonStats s;
    s.queued = 0;
    s.version = "x\"y";
    EXPECT_EQ(format_stats_json(s, JsonStyle::Compact), R"({"queued":0,"version":"x\"y"})");
}

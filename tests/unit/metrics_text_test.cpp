// GET /metrics' text: every family announced before its samples, counts by direction and
// result, a cumulative histogram, and label values escaped.
#include "web/metrics_text.hpp"

#include <gtest/gtest.h>
#include <memory>
#include <sstream>
#include <string>

namespace streamd {
namespace {

bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

MetricsSnapshot sample() {
    MetricsSnapshot m;
    m.version = "0.1.0";
    m.started_at = 1765000000.5;
    TransferStats::Side& in = m.transfers.in;
    in.bytes = 1000;
    in.active = 2;
    in.done = 3;
    in.failed = 1;
    in.done_within = {0, 1, 1, 2, 3, 3, 3, 3, 3, 3};
    in.done_seconds = 12.25;
    TransferStats::Side& out = m.transfers.out;
    out.bytes = 7;
    out.queued = 4;
    out.active = 1;
    out.canceled = 5;
    m.transfers.failures[static_cast<size_t>(Failure::Connection)] = 1;
    m.connections = 9;
    return m;
}

TEST(MetricsText, SaysEachCountOnceWithItsLabels) {
    const std::string text = metrics_text(sample());
    for (const char* line : {
             "streamd_build_info{version=\"0.1.0\"} 1",
             "streamd_start_time_seconds 1765000000.500",
             "streamd_transfers{direction=\"in\",state=\"active\"} 2",
             "streamd_transfers{direction=\"out\",state=\"queued\"} 4",
             "streamd_transfers_ended_total{direction=\"in\",result=\"done\"} 3",
             "streamd_transfers_ended_total{direction=\"in\",result=\"failed\"} 1",
             "streamd_transfers_ended_total{direction=\"out\",result=\"canceled\"} 5",
             "streamd_bytes_total{direction=\"in\"} 1000",
             "streamd_bytes_total{direction=\"out\"} 7",
             "streamd_transfer_failures_total{reason=\"connection\"} 1",
             "streamd_transfer_failures_total{reason=\"storage\"} 0",
             "streamd_connections 9",
         })
        EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
}

TEST(MetricsText, TheHistogramIsCumulativeAndEndsWithInf) {
    const std::string text = metrics_text(sample());
    for (const char* line : {
             "streamd_transfer_duration_seconds_bucket{direction=\"in\",le=\"0.1\"} 0",
             "streamd_transfer_duration_seconds_bucket{direction=\"in\",le=\"0.5\"} 1",
             "streamd_transfer_duration_seconds_bucket{direction=\"in\",le=\"10\"} 3",
             "streamd_transfer_duration_seconds_bucket{direction=\"in\",le=\"+Inf\"} 3",
             "streamd_transfer_duration_seconds_sum{direction=\"in\"} 12.250000",
             "streamd_transfer_duration_seconds_count{direction=\"in\"} 3",
             "streamd_transfer_duration_seconds_count{direction=\"out\"} 0",
         })
        EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
}

TEST(TransferStats, CountsEachTransferByDirectionStateAndFailure) {
    auto make = [](uint32_t id, Direction d, TransferState s) {
        return std::make_unique<Transfer>(id, d, "f", "peer", 100, 1, 4096, s);
    };
    auto queued = make(1, Direction::Out, TransferState::Queued);
    auto running = make(2, Direction::In, TransferState::Running);
    running->add_bytes(40);
    auto done = make(3, Direction::In, TransferState::Running);
    done->set_bytes(100);
    done->succeed("f");
    auto failed = make(4, Direction::Out, TransferState::Running);
    failed->fail(Failure::Storage, "no room");
    failed->fail(Failure::Connection, "a later failure is not the one counted");

    TransferStats stats;
    for (const auto* t : {queued.get(), running.get(), done.get(), failed.get()})
        stats.count(*t);
    EXPECT_EQ(stats.out.queued, 1U);
    EXPECT_EQ(stats.in.active, 1U);
    EXPECT_EQ(stats.in.bytes, 140U);
    EXPECT_EQ(stats.in.done, 1U);
    // Started and ended in the same test: within the smallest bucket, as in every other.
    EXPECT_EQ(stats.in.done_within.front(), 1U);
    EXPECT_EQ(stats.in.done_within.back(), 1U);
    EXPECT_EQ(stats.out.failed, 1U);
    EXPECT_EQ(stats.failures[static_cast<size_t>(Failure::Storage)], 1U);
    EXPECT_EQ(stats.failures[static_cast<size_t>(Failure::Connection)], 0U);
    EXPECT_EQ(stats.totals().failed, 1U);
    EXPECT_EQ(stats.totals().active_in, 1U);
}

TEST(MetricsText, EveryFamilyIsAnnouncedBeforeItsSamples) {
    const std::string text = metrics_text(sample());
    std::istringstream in(text);
    std::string announced;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("# TYPE ")) {
            announced = line.substr(7, line.find(' ', 7) - 7);
            continue;
        }
        if (line.starts_with("#")) continue;
        EXPECT_TRUE(!announced.empty() && line.starts_with(announced)) << line;
    }
    EXPECT_TRUE(text.ends_with("\n"));
}

TEST(MetricsText, LabelValuesAreEscaped) {
    MetricsSnapshot m = sample();
    m.version = "a\"b\\c\nd";
    EXPECT_TRUE(has_line(metrics_text(m), "streamd_build_info{version=\"a\\\"b\\\\c\\nd\"} 1"));
}

} // namespace
} // namespace streamd

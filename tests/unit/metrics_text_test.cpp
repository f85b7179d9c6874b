// GET /metrics' text: every family announced before its samples, counts by direction and
// result, a cumulative histogram, and label values escaped.
#include "web/metrics_text.hpp"

#include <gtest/gtest.h>
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
    m.in = {.bytes = 1000, .queued = 0, .running = 2, .done = 3, .failed = 1, .canceled = 0};
    m.out = {.bytes = 7, .queued = 4, .running = 1, .done = 0, .failed = 0, .canceled = 5};
    m.errors = {{"connection", 1}};
    m.connections = 9;
    m.duration_counts = {0, 1, 1, 2, 3, 3, 3, 3, 3, 3};
    m.duration_count = 3;
    m.duration_sum = 12.25;
    return m;
}

TEST(MetricsText, SaysEachCountOnceWithItsLabels) {
    const std::string text = metrics_text(sample());
    for (const char* line : {
             "streamd_build_info{version=\"0.1.0\"} 1",
             "streamd_start_time_seconds 1765000000.500",
             "streamd_transfers{direction=\"in\",state=\"running\"} 2",
             "streamd_transfers{direction=\"out\",state=\"queued\"} 4",
             "streamd_transfers_ended_total{direction=\"in\",result=\"done\"} 3",
             "streamd_transfers_ended_total{direction=\"in\",result=\"failed\"} 1",
             "streamd_transfers_ended_total{direction=\"out\",result=\"canceled\"} 5",
             "streamd_bytes_total{direction=\"in\"} 1000",
             "streamd_bytes_total{direction=\"out\"} 7",
             "streamd_transfer_errors_total{reason=\"connection\"} 1",
             "streamd_connections 9",
         })
        EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
}

TEST(MetricsText, TheHistogramIsCumulativeAndEndsWithInf) {
    const std::string text = metrics_text(sample());
    for (const char* line : {
             "streamd_transfer_duration_seconds_bucket{le=\"0.1\"} 0",
             "streamd_transfer_duration_seconds_bucket{le=\"0.5\"} 1",
             "streamd_transfer_duration_seconds_bucket{le=\"10\"} 3",
             "streamd_transfer_duration_seconds_bucket{le=\"+Inf\"} 3",
             "streamd_transfer_duration_seconds_sum 12.250000",
             "streamd_transfer_duration_seconds_count 3",
         })
        EXPECT_TRUE(has_line(text, line)) << line << "\n" << text;
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

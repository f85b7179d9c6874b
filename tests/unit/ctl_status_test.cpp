// `streamctl status`: one transfer's properties, for people and as JSON.

#include "ctl/timestamp.hpp"
#include "ctl/transfer_status.hpp"
#include "ctl/transfer_status_json.hpp"

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <vector>

using namespace streamd::ctl;

namespace {

// Pins the local time zone, for text that shows local time.
class LocalTimeZone {
public:
    // `tz` is a POSIX TZ string such as "UTC0" or "JST-9", which needs no tzdata.
    explicit LocalTimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) previous_ = old;
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~LocalTimeZone() {
        if (previous_)
            ::setenv("TZ", previous_->c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }
    LocalTimeZone(const LocalTimeZone&) = delete;
    LocalTimeZone& operator=(const LocalTimeZone&) = delete;

private:
    std::optional<std::string> previous_;
};

// 2026-11-21 14:29:47 UTC, a Saturday, in microseconds since the epoch.
constexpr uint64_t kSaturdayAfternoon = 1795271387000000;

constexpr uint64_t kSecond = 1000000;

TransferSnapshot running() {
    TransferSnapshot t;
    t.id = 3;
    t.direction = "out";
    t.state = "running";
    t.name = "big.iso";
    t.peer = "otherhost:7740";
    t.size = 4ull << 30;
    t.bytes_done = 1288490189; // 30%
    t.rate = 512ull << 20;
    t.eta = 6;
    t.streams = 8;
    t.chunk_size = 4u << 20;
    t.created_at = kSaturdayAfternoon;
    t.started_at = kSaturdayAfternoon + 2 * kSecond;
    t.path = "/org/streamd/Streamd1/transfer/3";
    return t;
}

TransferSnapshot done() {
    TransferSnapshot t = running();
    t.state = "done";
    t.bytes_done = t.size;
    t.files_done = 1;
    t.rate = 0;
    t.eta = 0;
    t.stored_name = "big (1).iso";
    t.finished_at = kSaturdayAfternoon + 10 * kSecond;
    return t;
}

class CtlTransferStatus : public ::testing::Test {
protected:
    LocalTimeZone utc_{"UTC0"};
};

} // namespace

TEST_F(CtlTransferStatus, Running) {
    EXPECT_EQ(format_transfer_status(running(), false),
              "  Transfer: 3 (out)\n"
              "     State: running\n"
              "      Name: big.iso\n"
              "      Peer: otherhost:7740\n"
              "      Size: 4.00 GiB\n"
              "  Progress: 1.20 GiB of 4.00 GiB (30%)\n"
              "      Rate: 512 MiB/s\n"
              "       ETA: 0:06\n"
              "   Streams: 8\n"
              "Chunk size: 4.00 MiB\n"
              "   Created: Sat 2026-11-21 14:29:47 UTC\n"
              "   Started: Sat 2026-11-21 14:29:49 UTC\n");
}

TEST_F(CtlTransferStatus, DoneShowsWhereItWentAndWhenItEnded) {
    EXPECT_EQ(format_transfer_status(done(), false), "  Transfer: 3 (out)\n"
                                                     "     State: done\n"
                                                     "      Name: big.iso\n"
                                                     "      Peer: otherhost:7740\n"
                                                     "      Size: 4.00 GiB\n"
                                                     "  Progress: 4.00 GiB of 4.00 GiB (100%)\n"
                                                     "   Streams: 8\n"
                                                     "Chunk size: 4.00 MiB\n"
                                                     " Stored as: big (1).iso\n"
                                                     "   Created: Sat 2026-11-21 14:29:47 UTC\n"
                                                     "   Started: Sat 2026-11-21 14:29:49 UTC\n"
                                                     "  Finished: Sat 2026-11-21 14:29:57 UTC\n");
}

TEST_F(CtlTransferStatus, FailedSaysWhy) {
    TransferSnapshot t = running();
    t.state = "failed";
    t.rate = 0;
    t.eta = 0;
    t.error = "connection to otherhost:7740 closed by the peer";
    t.finished_at = kSaturdayAfternoon + 5 * kSecond;
    const std::string text = format_transfer_status(t, false);
    EXPECT_EQ(text.find("Rate:"), std::string::npos) << text;
    EXPECT_EQ(text.find("ETA:"), std::string::npos) << text;
    EXPECT_EQ(text.find("Stored as:"), std::string::npos) << text;
    EXPECT_NE(text.find("\n     State: failed\n"), std::string::npos) << text;
    EXPECT_TRUE(text.ends_with("  Finished: Sat 2026-11-21 14:29:52 UTC\n"
                               "     Error: connection to otherhost:7740 closed by the peer\n"))
        << text;
}

TEST_F(CtlTransferStatus, QueuedHasNotStarted) {
    TransferSnapshot t = running();
    t.state = "queued";
    t.bytes_done = 0;
    t.rate = 0;
    t.eta = 0;
    t.started_at = 0;
    const std::string text = format_transfer_status(t, false);
    EXPECT_NE(text.find("  Progress: 0 B of 4.00 GiB (0%)\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("Started:"), std::string::npos) << text;
    EXPECT_EQ(text.find("Rate:"), std::string::npos) << text;
}

TEST_F(CtlTransferStatus, UnknownEtaIsLeftOut) {
    TransferSnapshot t = running();
    t.eta = 0;
    const std::string text = format_transfer_status(t, false);
    EXPECT_NE(text.find("      Rate: 512 MiB/s\n   Streams: 8\n"), std::string::npos) << text;
}

TEST_F(CtlTransferStatus, IncomingFromAnOlderDaemonWithFewProperties) {
    TransferSnapshot t;
    t.id = 9;
    t.state = "running";
    EXPECT_EQ(format_transfer_status(t, false), "  Transfer: 9\n"
                                                "     State: running\n"
                                                "      Size: 0 B\n"
                                                "  Progress: 0 B of 0 B (100%)\n"
                                                "      Rate: 0 B/s\n");
}

TEST_F(CtlTransferStatus, ColourPaintsTheState) {
    const std::string text = format_transfer_status(done(), true);
    EXPECT_NE(text.find("     State: \x1b[32mdone\x1b[0m\n"), std::string::npos) << text;
    EXPECT_EQ(text.find('\x1b', text.find("\x1b[0m") + 1), std::string::npos) << text;
}

TEST_F(CtlTransferStatus, PeerTextIsMadePrintable) {
    TransferSnapshot t = done();
    t.name = "a\x1b]0;pwned\x07";
    t.stored_name = "b\nc";
    t.error = "x\ry";
    t.state = "failed";
    const std::string text = format_transfer_status(t, false);
    EXPECT_NE(text.find("      Name: a?]0;pwned?\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" Stored as: b?c\n"), std::string::npos) << text;
    EXPECT_NE(text.find("     Error: x?y\n"), std::string::npos) << text;
}

TEST_F(CtlTransferStatus, AFolderCountsItsFiles) {
    TransferSnapshot t = running();
    t.name = "photos";
    t.files = 10100;
    t.files_done = 8204;
    const std::string text = format_transfer_status(t, false);
    EXPECT_NE(text.find("  Progress: 1.20 GiB of 4.00 GiB (30%)\n"
                        "     Files: 8204 of 10100\n"
                        "      Rate: 512 MiB/s\n"),
              std::string::npos)
        << text;
}

TEST_F(CtlTransferStatus, AnEmptyFolderHasNoFilesToCount) {
    TransferSnapshot t = done();
    t.size = 0;
    t.bytes_done = 0;
    t.files = 0;
    t.files_done = 0;
    const std::string text = format_transfer_status(t, false);
    EXPECT_NE(text.find("  Progress: 0 B of 0 B (100%)\n     Files: 0 of 0\n"), std::string::npos)
        << text;
}

TEST_F(CtlTransferStatus, AFolderSaysHowManyOfItsEntriesWereLeftOut) {
    TransferSnapshot t = done();
    t.skipped = {{"fifo", "a FIFO"}, {"hard.bin", "another name of 'big.bin'"}};
    const std::string text = format_transfer_status(t, false);
    EXPECT_NE(text.find("   Skipped: 2 entries of the folder (--json lists them)\n"),
              std::string::npos)
        << text;
    EXPECT_EQ(format_transfer_status(done(), false).find("Skipped"), std::string::npos);
}

TEST_F(CtlTransferStatus, ASingleFileHasNoFilesLine) {
    EXPECT_EQ(format_transfer_status(running(), false).find("Files:"), std::string::npos);
    EXPECT_EQ(format_transfer_status(done(), false).find("Files:"), std::string::npos);
}

TEST(CtlTimestamp, LocalTime) {
    {
        LocalTimeZone utc("UTC0");
        EXPECT_EQ(format_timestamp(kSaturdayAfternoon), "Sat 2026-11-21 14:29:47 UTC");
        EXPECT_EQ(format_timestamp(kSaturdayAfternoon + 999999), "Sat 2026-11-21 14:29:47 UTC");
    }
    {
        LocalTimeZone tokyo("JST-9");
        EXPECT_EQ(format_timestamp(kSaturdayAfternoon), "Sat 2026-11-21 23:29:47 JST");
    }
    {
        LocalTimeZone samoa("SST11");
        EXPECT_EQ(format_timestamp(kSaturdayAfternoon), "Sat 2026-11-21 03:29:47 SST");
    }
}

// --- JSON -------------------------------------------------------------------------------

TEST(CtlTransferStatusJson, OneObjectCompact) {
    EXPECT_EQ(format_transfer_status_json({done()}, JsonStyle::Compact, false),
              R"({"id":3,"direction":"out","state":"done","name":"big.iso",)"
              R"("peer":"otherhost:7740","size":4294967296,"bytes_done":4294967296,"files":1,)"
              R"("files_done":1,"skipped":[],"rate":0,)"
              R"("eta":0,"streams":8,"chunk_size":4194304,"max_rate":0,"encryption":"",)"
              R"("stored_name":"big (1).iso",)"
              R"("error":"","created_at":1795271387000000,"started_at":1795271389000000,)"
              R"("finished_at":1795271397000000,"path":"/org/streamd/Streamd1/transfer/3"})");
}

TEST(CtlTransferStatusJson, OneObjectPretty) {
    EXPECT_EQ(format_transfer_status_json({running()}, JsonStyle::Pretty, false), R"({
  "id": 3,
  "direction": "out",
  "state": "running",
  "name": "big.iso",
  "peer": "otherhost:7740",
  "size": 4294967296,
  "bytes_done": 1288490189,
  "files": 1,
  "files_done": 0,
  "skipped": [],
  "rate": 536870912,
  "eta": 6,
  "streams": 8,
  "chunk_size": 4194304,
  "max_rate": 0,
  "encryption": "",
  "stored_name": "",
  "error": "",
  "created_at": 1795271387000000,
  "started_at": 1795271389000000,
  "finished_at": 0,
  "path": "/org/streamd/Streamd1/transfer/3"
})");
}

TEST(CtlTransferStatusJson, SeveralAsAnArray) {
    TransferSnapshot a;
    a.id = 1;
    TransferSnapshot b;
    b.id = 2;
    const std::string one =
        R"("direction":"","state":"","name":"","peer":"","size":0,"bytes_done":0,"files":1,)"
        R"("files_done":0,"skipped":[],"rate":0,)"
        R"("eta":0,"streams":0,"chunk_size":0,"max_rate":0,"encryption":"","stored_name":"","error":"",)"
        R"("created_at":0,)"
        R"("started_at":0,"finished_at":0,"path":"")";
    EXPECT_EQ(format_transfer_status_json({a, b}, JsonStyle::Compact, true),
              R"([{"id":1,)" + one + R"(},{"id":2,)" + one + "}]");
    EXPECT_EQ(format_transfer_status_json({}, JsonStyle::Compact, true), "[]");
    EXPECT_EQ(format_transfer_status_json({}, JsonStyle::Pretty, true), "[]");
}

TEST(CtlTransferStatusJson, PrettyArrayNestsTheObjects) {
    TransferSnapshot a = running();
    const std::string json = format_transfer_status_json({a, a}, JsonStyle::Pretty, true);
    EXPECT_TRUE(json.starts_with("[\n  {\n    \"id\": 3,\n")) << json;
    EXPECT_NE(json.find("\n  },\n  {\n    \"id\": 3,\n"), std::string::npos) << json;
    EXPECT_TRUE(json.ends_with("    \"path\": \"/org/streamd/Streamd1/transfer/3\"\n  }\n]"))
        << json;
}

TEST(CtlTransferStatusJson, AFolderListsWhatWasLeftOutAndWhy) {
    TransferSnapshot t = running();
    t.skipped = {{"näme/fifo", "a FIFO"}, {"x\"y", "a link out of the folder"}};
    const std::string json = format_transfer_status_json({t}, JsonStyle::Compact, false);
    EXPECT_NE(json.find(R"("skipped":[{"path":"näme/fifo","reason":"a FIFO"},)"
                        R"({"path":"x\"y","reason":"a link out of the folder"}],)"),
              std::string::npos)
        << json;
}

TEST(CtlTransferStatusJson, AFolderSaysHowManyFilesAreDone) {
    TransferSnapshot t = running();
    t.files = 10100;
    t.files_done = 8204;
    const std::string json = format_transfer_status_json({t}, JsonStyle::Compact, false);
    EXPECT_NE(
        json.find(
            R"("bytes_done":1288490189,"files":10100,"files_done":8204,"skipped":[],"rate":)"),
        std::string::npos)
        << json;
}

// `--json` output of list, status and stats, read with a strict JSON reader and checked against
// the transfers that really happened, on the sending and on the receiving end.

#include "control_expectations.hpp"
#include "json_value.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"

#include <algorithm>
#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;
using proto::JsonValue;

const std::vector<std::string> list_keys = {"id",    "direction",  "state",   "name",       "peer",
                                            "size",  "bytes_done", "files",   "files_done", "rate",
                                            "error", "encryption", "skipped", "path"};
const std::vector<std::string> status_keys = {
    "id",         "direction",  "state",       "name",       "peer",        "size",
    "bytes_done", "files",      "files_done",  "skipped",    "rate",        "eta",
    "streams",    "chunk_size", "max_rate",    "encryption", "stored_name", "error",
    "created_at", "started_at", "finished_at", "path"};
const std::vector<std::string> stats_keys = {
    "bytes_in",        "bytes_out",      "transfers_done", "transfers_failed", "transfers_canceled",
    "active_in",       "active_out",     "queued",         "rate_in",          "rate_out",
    "max_active",      "keep_finished",  "started_at",     "version",          "tls",
    "tls_certificate", "tls_fingerprint"};

struct SentFile {
    std::string name;
    std::uint64_t size;
};

// A name that JSON must escape: quotes, a backslash, and characters beyond ASCII.
const std::string odd_name = "odd \"quoted\" back\\slash caf\xc3\xa9 \xe2\x82\xac.bin";

const std::vector<SentFile> sent_files = {{"plain.bin", 5 * MiB + 3}, {odd_name, 70 * KiB + 1}};

// Both daemons and the two files sent once for the whole suite: every test only reads.
struct JsonScene {
    StreamdInstance receiver;
    StreamdInstance sender;
    fixtures::TempDir sources{"streamd-it-sources"};
    RunResult sent;

    std::string logs() { return "sender:\n" + sender.log() + "receiver:\n" + receiver.log(); }
};

// Parses streamctl's stdout, or fails the test with the text and where it broke.
::testing::AssertionResult parse(const RunResult& result, JsonValue& out) {
    if (!result.status.success()) return ::testing::AssertionFailure() << result.describe();
    try {
        out = proto::parse_json(result.out);
    } catch (const proto::JsonError& e) {
        return ::testing::AssertionFailure() << "not valid JSON: " << e.what() << "\n"
                                             << result.describe();
    }
    return ::testing::AssertionSuccess();
}

::testing::AssertionResult has_exactly_keys(const JsonValue& object,
                                            const std::vector<std::string>& want) {
    if (!object.is_object())
        return ::testing::AssertionFailure() << "not an object: " << object.dump();
    auto got = object.keys();
    auto sorted_want = want;
    std::sort(got.begin(), got.end());
    std::sort(sorted_want.begin(), sorted_want.end());
    if (got == sorted_want) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "keys " << ::testing::PrintToString(got) << ", want "
           << ::testing::PrintToString(sorted_want) << " in " << object.dump();
}

const JsonValue* entry_named(const JsonValue& list, const std::string& name) {
    for (const auto& entry : list.as_array())
        if (entry.at("name").as_string() == name) return &entry;
    return nullptr;
}

class ControlJson : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        try {
            scene_ = std::make_unique<JsonScene>();
            std::vector<std::string> args = {"send"};
            for (const auto& file : sent_files) {
                write_random_file(scene_->sources / file.name, file.size, file.size);
                args.push_back((scene_->sources / file.name).string());
            }
            args.push_back(scene_->receiver.endpoint());
            scene_->sent = run_streamctl(scene_->sender.bus_address(), args);
        } catch (const std::exception& e) {
            startup_error_ = e.what();
        }
    }
    static void TearDownTestSuite() { scene_.reset(); }

    void SetUp() override {
        if (!scene_) FAIL() << "daemons did not start:\n" << startup_error_;
        ASSERT_TRUE(succeeded(scene_->sent)) << "sending several files in one call\n"
                                             << scene_->logs();
    }

    JsonScene& scene() { return *scene_; }
    RunResult sender_ctl(const std::vector<std::string>& args) {
        return run_streamctl(scene().sender.bus_address(), args);
    }
    RunResult receiver_ctl(const std::vector<std::string>& args) {
        return run_streamctl(scene().receiver.bus_address(), args);
    }

private:
    static inline std::unique_ptr<JsonScene> scene_;
    static inline std::string startup_error_;
};

TEST_F(ControlJson, SeveralFilesInOneSendAllArrive) {
    for (const auto& file : sent_files) {
        const fs::path received = scene().receiver.incoming() / file.name;
        ASSERT_TRUE(fs::is_regular_file(received)) << received << " did not arrive";
        EXPECT_EQ(sha256_of(received), sha256_of(scene().sources / file.name)) << received;
    }
}

TEST_F(ControlJson, ListOnTheSender) {
    JsonValue list;
    ASSERT_TRUE(parse(sender_ctl({"list", "--json"}), list));
    ASSERT_TRUE(list.is_array()) << list.dump();
    ASSERT_EQ(list.as_array().size(), sent_files.size()) << list.dump();
    for (const auto& file : sent_files) {
        const JsonValue* entry = entry_named(list, file.name);
        ASSERT_NE(entry, nullptr) << "no entry named " << file.name << " in " << list.dump();
        EXPECT_TRUE(has_exactly_keys(*entry, list_keys));
        const std::uint64_t id = entry->at("id").as_uint();
        EXPECT_EQ(entry->at("direction").as_string(), "out");
        EXPECT_EQ(entry->at("state").as_string(), "done");
        EXPECT_EQ(entry->at("peer").as_string(), scene().receiver.endpoint());
        EXPECT_EQ(entry->at("size").as_uint(), file.size);
        EXPECT_EQ(entry->at("bytes_done").as_uint(), file.size);
        EXPECT_EQ(entry->at("rate").as_uint(), 0u) << "rate is 0 once finished";
        EXPECT_EQ(entry->at("error").as_string(), "");
        EXPECT_EQ(entry->at("path").as_string(), transfer_path(static_cast<std::uint32_t>(id)));
    }
}

TEST_F(ControlJson, ListOnTheReceiver) {
    JsonValue list;
    ASSERT_TRUE(parse(receiver_ctl({"list", "--json"}), list));
    ASSERT_EQ(list.as_array().size(), sent_files.size()) << list.dump();
    for (const auto& file : sent_files) {
        const JsonValue* entry = entry_named(list, file.name);
        ASSERT_NE(entry, nullptr) << "no entry named " << file.name << " in " << list.dump();
        EXPECT_TRUE(has_exactly_keys(*entry, list_keys));
        EXPECT_EQ(entry->at("direction").as_string(), "in");
        EXPECT_EQ(entry->at("state").as_string(), "done");
        EXPECT_EQ(entry->at("size").as_uint(), file.size);
        EXPECT_EQ(entry->at("bytes_done").as_uint(), file.size);
        EXPECT_TRUE(entry->at("peer").as_string().starts_with("127.0.0.1:"))
            << "an incoming transfer's peer is the sender's address:port: " << entry->dump();
    }
}

TEST_F(ControlJson, PrettyListIsTheSameValue) {
    JsonValue compact;
    JsonValue pretty;
    RunResult pretty_run = sender_ctl({"list", "--json=pretty"});
    ASSERT_TRUE(parse(sender_ctl({"list", "--json"}), compact));
    ASSERT_TRUE(parse(pretty_run, pretty));
    EXPECT_EQ(compact, pretty) << compact.dump() << "\nvs\n" << pretty.dump();
    EXPECT_GT(lines_of(pretty_run.out).size(), sent_files.size())
        << "pretty output is spread over lines\n"
        << pretty_run.describe();
}

TEST_F(ControlJson, StatusOfEachTransfer) {
    JsonValue list;
    ASSERT_TRUE(parse(sender_ctl({"list", "--json"}), list));
    for (const auto& file : sent_files) {
        const JsonValue* entry = entry_named(list, file.name);
        ASSERT_NE(entry, nullptr) << list.dump();
        const std::string id = std::to_string(entry->at("id").as_uint());

        RunResult status_run = sender_ctl({"status", id, "--json"});
        JsonValue status;
        ASSERT_TRUE(parse(status_run, status));
        ASSERT_TRUE(has_exactly_keys(status, status_keys));
        EXPECT_EQ(std::to_string(status.at("id").as_uint()), id);
        EXPECT_EQ(status.at("direction").as_string(), "out");
        EXPECT_EQ(status.at("state").as_string(), "done");
        EXPECT_EQ(status.at("name").as_string(), file.name);
        EXPECT_EQ(status.at("stored_name").as_string(), file.name);
        EXPECT_EQ(status.at("peer").as_string(), scene().receiver.endpoint());
        EXPECT_EQ(status.at("size").as_uint(), file.size);
        EXPECT_EQ(status.at("bytes_done").as_uint(), file.size);
        EXPECT_EQ(status.at("rate").as_uint(), 0u);
        EXPECT_EQ(status.at("eta").as_uint(), 0u);
        EXPECT_GE(status.at("streams").as_uint(), 1u);
        EXPECT_LE(status.at("streams").as_uint(), 64u);
        EXPECT_GE(status.at("chunk_size").as_uint(), 64 * KiB);
        EXPECT_EQ(status.at("chunk_size").as_uint() % (4 * KiB), 0u);
        EXPECT_EQ(status.at("error").as_string(), "");
        EXPECT_EQ(status.at("path").as_string(), entry->at("path").as_string());
        const std::uint64_t created = status.at("created_at").as_uint();
        const std::uint64_t started = status.at("started_at").as_uint();
        const std::uint64_t finished = status.at("finished_at").as_uint();
        EXPECT_GT(created, 0u);
        EXPECT_LE(created, started) << status.dump();
        EXPECT_LE(started, finished) << status.dump();

        JsonValue pretty;
        ASSERT_TRUE(parse(sender_ctl({"status", id, "--json=pretty"}), pretty));
        EXPECT_EQ(pretty, status);
    }
}

TEST_F(ControlJson, StatsCountWhatHappened) {
    std::uint64_t total = 0;
    for (const auto& file : sent_files)
        total += file.size;

    JsonValue sender_stats;
    ASSERT_TRUE(parse(sender_ctl({"stats", "--json"}), sender_stats));
    ASSERT_TRUE(has_exactly_keys(sender_stats, stats_keys));
    EXPECT_EQ(sender_stats.at("transfers_done").as_uint(), sent_files.size());
    EXPECT_EQ(sender_stats.at("transfers_failed").as_uint(), 0u);
    EXPECT_EQ(sender_stats.at("transfers_canceled").as_uint(), 0u);
    EXPECT_GE(sender_stats.at("bytes_out").as_uint(), total);
    EXPECT_EQ(sender_stats.at("active_in").as_uint(), 0u);
    EXPECT_EQ(sender_stats.at("active_out").as_uint(), 0u);
    EXPECT_EQ(sender_stats.at("queued").as_uint(), 0u);
    EXPECT_EQ(sender_stats.at("max_active").as_uint(), 4u);
    EXPECT_FALSE(sender_stats.at("version").as_string().empty());
    EXPECT_GT(sender_stats.at("started_at").as_uint(), 0u);
    EXPECT_TRUE(sender_stats.at("rate_in").is_number());
    EXPECT_TRUE(sender_stats.at("rate_out").is_number());
    EXPECT_TRUE(sender_stats.at("keep_finished").is_number() ||
                sender_stats.at("keep_finished").is_string());

    JsonValue receiver_stats;
    ASSERT_TRUE(parse(receiver_ctl({"stats", "--json"}), receiver_stats));
    ASSERT_TRUE(has_exactly_keys(receiver_stats, stats_keys));
    EXPECT_EQ(receiver_stats.at("transfers_done").as_uint(), sent_files.size());
    EXPECT_GE(receiver_stats.at("bytes_in").as_uint(), total);
    EXPECT_EQ(receiver_stats.at("active_in").as_uint(), 0u);

    JsonValue pretty;
    ASSERT_TRUE(parse(receiver_ctl({"stats", "--json=pretty"}), pretty));
    EXPECT_EQ(pretty.at("transfers_done"), receiver_stats.at("transfers_done"));
    EXPECT_EQ(pretty.at("bytes_in"), receiver_stats.at("bytes_in"));
    EXPECT_TRUE(has_exactly_keys(pretty, stats_keys));
}

TEST_F(ControlJson, StatsAgreeWithTheBus) {
    JsonValue stats;
    ASSERT_TRUE(parse(sender_ctl({"stats", "--json"}), stats));
    StreamdBus bus(scene().sender.bus_address());
    auto direct = bus.stats();
    EXPECT_EQ(stats.at("transfers_done").as_uint(),
              direct.at("TransfersDone").get<std::uint32_t>());
    EXPECT_EQ(stats.at("bytes_out").as_uint(), direct.at("BytesOut").get<std::uint64_t>());
    EXPECT_EQ(stats.at("max_active").as_uint(), direct.at("MaxActive").get<std::uint32_t>());
    EXPECT_EQ(stats.at("version").as_string(), direct.at("Version").get<std::string>());
}

TEST_F(ControlJson, ListWithoutLegendHasOneLinePerTransfer) {
    RunResult plain = sender_ctl({"list", "--no-legend"});
    ASSERT_TRUE(succeeded(plain));
    auto lines = lines_of(plain.out);
    ASSERT_EQ(lines.size(), sent_files.size()) << plain.describe();
    EXPECT_NE(plain.out.find("plain.bin"), std::string::npos) << plain.describe();

    RunResult with_legend = sender_ctl({"list"});
    ASSERT_TRUE(succeeded(with_legend));
    EXPECT_GT(lines_of(with_legend.out).size(), lines.size()) << with_legend.describe();
}

TEST_F(ControlJson, StatusOfAnUnknownTransferFails) {
    expect_streamctl_failure(sender_ctl({"status", "4000000000", "--json"}), {});
}

} // namespace
} // namespace streamd::it

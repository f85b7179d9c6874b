// Reload re-reads the configuration file, by `streamctl reload`, by Manager.Reload() and by
// SIGHUP. A valid file takes effect for what starts next and leaves running transfers alone; an
// invalid one is refused with FILE:LINE:COLUMN and the values in force stay.

#include "control_expectations.hpp"
#include "json_value.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "transfer_states.hpp"
#include "wait_until.hpp"

#include <csignal>
#include <filesystem>
#include <gtest/gtest.h>
#include <optional>
#include <string>

namespace streamd::it {
namespace {

class ControlReload : public ::testing::Test {
protected:
    // max_active as `streamctl stats --json` shows it; nothing if that fails.
    std::optional<std::uint64_t> max_active_shown() {
        RunResult stats = run_streamctl(daemon_.bus_address(), {"stats", "--json"});
        last_stats_ = stats.describe();
        if (!stats.status.success()) return std::nullopt;
        try {
            return proto::parse_json(stats.out).at("max_active").as_uint();
        } catch (const std::exception& e) {
            last_stats_ += std::string("\n") + e.what();
            return std::nullopt;
        }
    }

    std::uint32_t max_active_on_bus() { return bus_.stats().at("MaxActive").get<std::uint32_t>(); }

    StreamdOptions with_max_active(unsigned value) {
        StreamdOptions options = daemon_.options();
        options.max_active = value;
        return options;
    }

    // The current configuration with `max_active = "many"` in place of the valid value, and the
    // 1-based line it is on.
    std::pair<std::string, unsigned> bad_config() {
        std::string text = daemon_.config_text(daemon_.options());
        const std::string key = "max_active = ";
        const auto at = text.find(key);
        const auto end = text.find('\n', at);
        text.replace(at + key.size(), end - at - key.size(), "\"many\"");
        unsigned line = 1;
        for (std::size_t i = 0; i < at; ++i)
            line += text[i] == '\n';
        return {text, line};
    }

    StreamdInstance daemon_{StreamdOptions{.max_active = 4}};
    StreamdBus bus_{daemon_.bus_address()};
    std::string last_stats_;
};

TEST_F(ControlReload, ValidFileTakesEffect) {
    ASSERT_EQ(max_active_shown(), 4u) << last_stats_ << daemon_.log();
    daemon_.rewrite_config(with_max_active(2));
    ASSERT_TRUE(succeeded(run_streamctl(daemon_.bus_address(), {"reload"}))) << daemon_.log();
    EXPECT_EQ(max_active_shown(), 2u) << last_stats_ << daemon_.log();
    EXPECT_EQ(max_active_on_bus(), 2u);
}

TEST_F(ControlReload, InvalidFileIsRefusedAndTheOldValuesStay) {
    daemon_.rewrite_config(with_max_active(2));
    ASSERT_TRUE(succeeded(run_streamctl(daemon_.bus_address(), {"reload"}))) << daemon_.log();

    const auto [text, line] = bad_config();
    daemon_.rewrite_config_text(text);
    const std::string where = daemon_.config_path().string() + ":" + std::to_string(line) + ":";
    RunResult refused = run_streamctl(daemon_.bus_address(), {"reload"});
    expect_streamctl_failure(refused, {"reload refused: " + where}, daemon_.log());
    EXPECT_EQ(max_active_shown(), 2u) << last_stats_;

    CallOutcome call = outcome_of([&] { bus_.reload(); });
    EXPECT_EQ(call.error_name, std::string(error_prefix) + "BadConfig") << call.describe();
    EXPECT_TRUE(call.message.starts_with(where)) << call.describe();
    EXPECT_EQ(max_active_on_bus(), 2u);

    // Still alive and still reloading once the file is fixed.
    daemon_.rewrite_config(with_max_active(5));
    CallOutcome fixed = outcome_of([&] { bus_.reload(); });
    EXPECT_EQ(fixed.error_name, "") << fixed.describe();
    EXPECT_EQ(max_active_on_bus(), 5u);
}

TEST_F(ControlReload, HangupSignalReloads) {
    daemon_.rewrite_config(with_max_active(3));
    daemon_.send_signal(SIGHUP);
    // Nothing answers a signal, so look until the new value shows.
    EXPECT_TRUE(wait_until([&] { return max_active_shown() == 3u || !daemon_.running(); }) &&
                daemon_.running())
        << "max_active never became 3 after SIGHUP\n"
        << last_stats_ << daemon_.log();
}

TEST_F(ControlReload, HangupWithAnInvalidFileKeepsTheDaemonRunning) {
    const auto [text, line] = bad_config();
    daemon_.rewrite_config_text(text);
    daemon_.send_signal(SIGHUP);
    // With no caller to answer, the refusal goes to the log, naming the place.
    const std::string where = daemon_.config_path().string() + ":" + std::to_string(line) + ":";
    EXPECT_TRUE(wait_until([&] {
                    return daemon_.log(1000).find(where) != std::string::npos || !daemon_.running();
                }) &&
                daemon_.running())
        << "the log never named " << where << "\n"
        << daemon_.log();
    ASSERT_TRUE(daemon_.running()) << daemon_.log();
    EXPECT_EQ(max_active_on_bus(), 4u);
    // Then a valid file: the daemon must still be there to read it.
    daemon_.rewrite_config(with_max_active(7));
    daemon_.send_signal(SIGHUP);
    EXPECT_TRUE(wait_until([&] { return max_active_shown() == 7u || !daemon_.running(); }) &&
                daemon_.running())
        << last_stats_ << daemon_.log();
}

TEST_F(ControlReload, KeepFinishedAcceptsUnits) {
    EXPECT_EQ(bus_.stats().at("KeepFinished").get<std::uint64_t>(), 3600u);
    for (const auto& [value, seconds] : {std::pair<std::string, std::uint64_t>{"\"90s\"", 90},
                                         {"\"15m\"", 900},
                                         {"\"2d\"", 172800},
                                         {"0", 0},
                                         {"45", 45}}) {
        StreamdOptions options = daemon_.options();
        options.keep_finished = value;
        daemon_.rewrite_config(options);
        CallOutcome call = outcome_of([&] { bus_.reload(); });
        EXPECT_EQ(call.error_name, "") << "keep_finished = " << value << ": " << call.describe();
        EXPECT_EQ(bus_.stats().at("KeepFinished").get<std::uint64_t>(), seconds)
            << "keep_finished = " << value;
    }
}

// A sender and a receiver, with a relay between them that can keep a transfer running across a
// reload.
class ReloadBetweenTransfers : public ::testing::Test {
protected:
    // Queues `name` (`size` random bytes) for `destination`; returns its id on the sender.
    std::uint32_t send(const std::string& name, std::uint64_t size,
                       const std::string& destination) {
        write_random_file(sources_ / name, size, size + name.size());
        RunResult sent =
            run_streamctl(pair_.sender.bus_address(), {"send", "--no-block", "--streams", "2",
                                                       (sources_ / name).string(), destination});
        EXPECT_TRUE(succeeded(sent)) << pair_.logs();
        auto ids = queued_ids(sent);
        EXPECT_TRUE(ids && ids->size() == 1) << sent.describe();
        return ids && ids->size() == 1 ? ids->front() : 0;
    }

    void reload(StreamdInstance& daemon, const StreamdOptions& options) {
        daemon.rewrite_config(options);
        ASSERT_TRUE(succeeded(run_streamctl(daemon.bus_address(), {"reload"}))) << pair_.logs();
    }

    void expect_arrived(const std::string& name) {
        const std::filesystem::path received = pair_.receiver.incoming() / name;
        ASSERT_TRUE(std::filesystem::is_regular_file(received)) << name << " did not arrive\n"
                                                                << pair_.logs();
        EXPECT_EQ(sha256_of(received), sha256_of(sources_ / name)) << pair_.logs();
    }

    RelayedPair pair_;
    fixtures::TempDir sources_{"streamd-it-sources"};
};

TEST_F(ReloadBetweenTransfers, ARunningTransferOutlivesAReloadThatLowersTheLimits) {
    const std::string name = "running.bin";
    pair_.relay.hold_after(MiB);
    const std::uint32_t id = send(name, 16 * MiB, pair_.relay.endpoint());
    ASSERT_NE(id, 0u);
    // Both streams hold chunks in the relay: the transfer runs on both ends.
    ASSERT_TRUE(wait_until([&] {
        auto row = pair_.sender_bus.find_transfer(id);
        return row && row->state == "running" && pair_.relay.counts().held == 2;
    })) << describe(pair_.sender_bus.list_transfers())
        << pair_.logs();

    // Each value below would refuse this transfer, were it offered now.
    StreamdOptions receiver = pair_.receiver.options();
    receiver.max_file_size = "\"1M\"";
    receiver.limits = "max_incoming = 1\n";
    reload(pair_.receiver, receiver);
    StreamdOptions sender = pair_.sender.options();
    sender.max_active = 1;
    sender.reconnect_attempts = 0;
    reload(pair_.sender, sender);
    ASSERT_FALSE(HasFailure());
    EXPECT_EQ(pair_.sender_bus.stats().at("MaxActive").get<std::uint32_t>(), 1u)
        << "the sender did not take the new file";

    auto still = pair_.sender_bus.find_transfer(id);
    ASSERT_TRUE(still) << pair_.logs();
    EXPECT_EQ(still->state, "running") << still->describe() << pair_.logs();
    const auto received = pair_.receiver_bus.list_transfers();
    ASSERT_EQ(received.size(), 1u) << describe(received) << pair_.logs();
    EXPECT_EQ(received.front().state, "running") << received.front().describe() << pair_.logs();

    pair_.relay.release();
    auto end = wait_until_finished(pair_.sender_bus, id);
    ASSERT_TRUE(end.row) << end.report << pair_.logs();
    EXPECT_EQ(end.row->state, "done") << end.row->describe() << pair_.logs();
    expect_arrived(name);
}

TEST_F(ReloadBetweenTransfers, ALowerMaxFileSizeRefusesTheNextLargerFileAndTakesASmallerOne) {
    // Taken before the reload, so that only the reload can refuse the same size after it.
    write_random_file(sources_ / "before.bin", 2 * MiB, 1);
    RunResult before =
        run_streamctl(pair_.sender.bus_address(),
                      {"send", (sources_ / "before.bin").string(), pair_.receiver.endpoint()});
    ASSERT_TRUE(succeeded(before)) << pair_.logs();
    expect_arrived("before.bin");

    StreamdOptions receiver = pair_.receiver.options();
    receiver.max_file_size = "\"1M\"";
    reload(pair_.receiver, receiver);
    ASSERT_FALSE(HasFailure());

    write_random_file(sources_ / "too-big.bin", 2 * MiB, 2);
    RunResult refused =
        run_streamctl(pair_.sender.bus_address(),
                      {"send", (sources_ / "too-big.bin").string(), pair_.receiver.endpoint()});
    expect_streamctl_failure(refused, {"rejected by peer", "exceeds the limit"}, pair_.logs());
    EXPECT_FALSE(std::filesystem::exists(pair_.receiver.incoming() / "too-big.bin"));
    EXPECT_TRUE(partial_files_in(pair_.receiver.incoming()).empty())
        << ::testing::PrintToString(entries_in(pair_.receiver.incoming()));

    write_random_file(sources_ / "small.bin", 512 * KiB, 3);
    RunResult taken =
        run_streamctl(pair_.sender.bus_address(),
                      {"send", (sources_ / "small.bin").string(), pair_.receiver.endpoint()});
    ASSERT_TRUE(succeeded(taken)) << pair_.logs();
    expect_arrived("small.bin");
}

} // namespace
} // namespace streamd::it

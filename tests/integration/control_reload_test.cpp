// Reload re-reads the configuration file, by `streamctl reload`, by Manager.Reload() and by
// SIGHUP. A valid file takes effect; an invalid one is refused with FILE:LINE:COLUMN and the
// values in force stay.

#include "control_expectations.hpp"
#include "json_value.hpp"
#include "streamctl.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "wait_until.hpp"

#include <csignal>
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

} // namespace
} // namespace streamd::it

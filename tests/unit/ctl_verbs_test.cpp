// The streamctl commands beyond the basics of send: what each accepts, what it refuses, and
// which help a usage error points at.

#include "ctl/arguments.hpp"

#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

using namespace streamd::ctl;

namespace {

Invocation parse(std::initializer_list<std::string_view> args) {
    const std::vector<std::string_view> v(args);
    return parse_arguments(v);
}

template <typename R> R request(std::initializer_list<std::string_view> args) {
    return std::get<R>(parse(args).request);
}

// The UsageError for `args`; fails the test when they parse.
UsageError usage_error(std::initializer_list<std::string_view> args) {
    try {
        parse(args);
    } catch (const UsageError& e) {
        return e;
    }
    ADD_FAILURE() << "parsed without a usage error";
    return UsageError("");
}

std::string message(std::initializer_list<std::string_view> args) {
    return usage_error(args).what();
}

std::string hint(std::initializer_list<std::string_view> args) {
    return usage_hint(usage_error(args));
}

using Ids = std::vector<uint32_t>;

} // namespace

// --- send with several files ------------------------------------------------------------

TEST(CtlSendArguments, SeveralFilesAndOneDestination) {
    const auto r = request<SendRequest>({"send", "a.iso", "b.iso", "c d.txt", "host:7741"});
    EXPECT_EQ(r.paths, (std::vector<std::string>{"a.iso", "b.iso", "c d.txt"}));
    EXPECT_EQ(r.destination, "host:7741");
}

TEST(CtlSendArguments, OptionsAnywhereAmongTheFiles) {
    const auto r =
        request<SendRequest>({"send", "a", "--streams", "2", "b", "--no-block", "h", "--user"});
    EXPECT_EQ(r.paths, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(r.destination, "h");
    EXPECT_EQ(r.streams, 2u);
    EXPECT_FALSE(r.wait);
}

TEST(CtlSendArguments, AsNamesOneFileOnly) {
    EXPECT_EQ(request<SendRequest>({"send", "--as", "x", "a", "h"}).name, "x");
    EXPECT_EQ(message({"send", "--as", "x", "a", "b", "h"}),
              "--as names a single file or folder, but 2 were given");
    EXPECT_EQ(hint({"send", "--as", "x", "a", "b", "h"}), "Try 'streamctl send --help'.");
}

TEST(CtlSendArguments, JsonAndLegendDoNotApply) {
    EXPECT_EQ(message({"send", "a", "h", "--json"}), "option '--json' does not apply to 'send'");
    EXPECT_EQ(message({"send", "a", "h", "--json=pretty"}),
              "option '--json' does not apply to 'send'");
    EXPECT_EQ(message({"send", "a", "h", "--no-legend"}),
              "option '--no-legend' does not apply to 'send'");
}

// --- list -------------------------------------------------------------------------------

TEST(CtlListArguments, JsonStyles) {
    EXPECT_FALSE(request<ListRequest>({"list"}).json);
    EXPECT_EQ(request<ListRequest>({"list", "--json"}).json, JsonStyle::Compact);
    EXPECT_EQ(request<ListRequest>({"list", "--json=pretty"}).json, JsonStyle::Pretty);
    // The last one counts.
    EXPECT_EQ(request<ListRequest>({"list", "--json=pretty", "--json"}).json, JsonStyle::Compact);
}

TEST(CtlListArguments, JsonTakesOnlyPretty) {
    const std::string rule = " for '--json': use --json or --json=pretty";
    EXPECT_EQ(message({"list", "--json=compact"}), "invalid value 'compact'" + rule);
    EXPECT_EQ(message({"list", "--json="}), "invalid value ''" + rule);
    EXPECT_EQ(message({"list", "--json=PRETTY"}), "invalid value 'PRETTY'" + rule);
    EXPECT_EQ(hint({"list", "--json=x"}), "Try 'streamctl list --help'.");
}

TEST(CtlListArguments, JsonValueIsNeverTheNextWord) {
    // "pretty" after a space is an operand, which list does not take.
    EXPECT_EQ(message({"list", "--json", "pretty"}), "unexpected argument 'pretty'");
}

TEST(CtlListArguments, NoLegend) {
    EXPECT_TRUE(request<ListRequest>({"list"}).legend);
    EXPECT_FALSE(request<ListRequest>({"list", "--no-legend"}).legend);
    EXPECT_FALSE(request<ListRequest>({"--no-legend", "list", "--json"}).legend);
    EXPECT_EQ(message({"list", "--no-legend=1"}), "option '--no-legend' does not take a value");
}

TEST(CtlListArguments, Operands) {
    EXPECT_EQ(message({"list", "3"}), "unexpected argument '3'");
    EXPECT_EQ(message({"list", "--streams", "3"}), "option '--streams' does not apply to 'list'");
}

// --- status -----------------------------------------------------------------------------

TEST(CtlStatusArguments, OneOrMoreIds) {
    EXPECT_EQ(request<StatusRequest>({"status", "3"}).ids, Ids{3});
    EXPECT_EQ(request<StatusRequest>({"status", "3", "12", "3"}).ids, (Ids{3, 12, 3}));
    EXPECT_EQ(request<StatusRequest>({"status", "4294967295"}).ids, Ids{4294967295u});
    EXPECT_FALSE(request<StatusRequest>({"status", "3"}).json);
    EXPECT_EQ(request<StatusRequest>({"status", "--json", "3"}).json, JsonStyle::Compact);
    EXPECT_EQ(request<StatusRequest>({"status", "3", "4", "--json=pretty"}).json,
              JsonStyle::Pretty);
}

TEST(CtlStatusArguments, IdsMustBePositiveWholeNumbers) {
    const std::string rule = ": a positive whole number is expected";
    EXPECT_EQ(message({"status"}), "missing ID for 'status'");
    EXPECT_EQ(message({"status", "0"}), "invalid transfer ID '0'" + rule);
    EXPECT_EQ(message({"status", "x"}), "invalid transfer ID 'x'" + rule);
    EXPECT_EQ(message({"status", "3", "4x"}), "invalid transfer ID '4x'" + rule);
    EXPECT_EQ(message({"status", "+3"}), "invalid transfer ID '+3'" + rule);
    EXPECT_EQ(message({"status", " 3"}), "invalid transfer ID ' 3'" + rule);
    EXPECT_EQ(message({"status", "4294967296"}), "invalid transfer ID '4294967296'" + rule);
    // A negative number looks like an option.
    EXPECT_EQ(message({"status", "-1"}), "unknown option '-1'");
    EXPECT_EQ(hint({"status", "x"}), "Try 'streamctl status --help'.");
}

TEST(CtlStatusArguments, NoLegendDoesNotApply) {
    EXPECT_EQ(message({"status", "3", "--no-legend"}),
              "option '--no-legend' does not apply to 'status'");
}

// --- cancel -----------------------------------------------------------------------------

TEST(CtlCancelArguments, Ids) {
    EXPECT_EQ(request<CancelRequest>({"cancel", "7"}).ids, Ids{7});
    EXPECT_EQ(request<CancelRequest>({"cancel", "7", "--user", "8"}).ids, (Ids{7, 8}));
    EXPECT_EQ(parse({"cancel", "7", "--user"}).bus, BusKind::Session);
    EXPECT_EQ(message({"cancel"}), "missing ID for 'cancel'");
    EXPECT_EQ(message({"cancel", "all"}),
              "invalid transfer ID 'all': a positive whole number is expected");
    EXPECT_EQ(hint({"cancel"}), "Try 'streamctl cancel --help'.");
}

TEST(CtlCancelArguments, JsonDoesNotApply) {
    EXPECT_EQ(message({"cancel", "7", "--json"}), "option '--json' does not apply to 'cancel'");
}

// --- stats ------------------------------------------------------------------------------

TEST(CtlStatsArguments, Json) {
    EXPECT_FALSE(request<StatsRequest>({"stats"}).json);
    EXPECT_EQ(request<StatsRequest>({"stats", "--json"}).json, JsonStyle::Compact);
    EXPECT_EQ(request<StatsRequest>({"stats", "--json=pretty"}).json, JsonStyle::Pretty);
    EXPECT_EQ(message({"stats", "now"}), "unexpected argument 'now'");
    EXPECT_EQ(message({"stats", "--no-legend"}), "option '--no-legend' does not apply to 'stats'");
}

// --- watch ------------------------------------------------------------------------------

TEST(CtlWatchArguments, AllOrOne) {
    const auto all = request<WatchRequest>({"watch"});
    EXPECT_FALSE(all.id);
    EXPECT_FALSE(all.json);
    EXPECT_TRUE(all.legend);
    EXPECT_EQ(request<WatchRequest>({"watch", "5"}).id, 5u);
    EXPECT_EQ(message({"watch", "5", "6"}), "unexpected argument '6'");
    EXPECT_EQ(message({"watch", "five"}),
              "invalid transfer ID 'five': a positive whole number is expected");
}

TEST(CtlWatchArguments, JsonCompactOrPretty) {
    EXPECT_EQ(request<WatchRequest>({"watch", "--json"}).json, JsonStyle::Compact);
    EXPECT_EQ(request<WatchRequest>({"watch", "5", "--json"}).json, JsonStyle::Compact);
    EXPECT_EQ(request<WatchRequest>({"watch", "--json=pretty"}).json, JsonStyle::Pretty);
    EXPECT_EQ(request<WatchRequest>({"watch", "5", "--json=pretty"}).json, JsonStyle::Pretty);
    // The last one given counts, as with the other read verbs.
    EXPECT_EQ(request<WatchRequest>({"watch", "--json=pretty", "--json"}).json, JsonStyle::Compact);
    EXPECT_EQ(message({"watch", "--json=yes"}),
              "invalid value 'yes' for '--json': use --json or --json=pretty");
    EXPECT_EQ(hint({"watch", "--json=yes"}), "Try 'streamctl watch --help'.");
}

TEST(CtlWatchArguments, NoLegend) {
    EXPECT_FALSE(request<WatchRequest>({"watch", "--no-legend"}).legend);
    EXPECT_EQ(message({"watch", "--as", "x"}), "option '--as' does not apply to 'watch'");
}

// --- reload -----------------------------------------------------------------------------

TEST(CtlReloadArguments, NothingElse) {
    EXPECT_TRUE(std::holds_alternative<ReloadRequest>(parse({"reload"}).request));
    EXPECT_EQ(parse({"reload", "--user"}).bus, BusKind::Session);
    EXPECT_EQ(message({"reload", "now"}), "unexpected argument 'now'");
    EXPECT_EQ(message({"reload", "--json"}), "option '--json' does not apply to 'reload'");
    EXPECT_EQ(hint({"reload", "--json"}), "Try 'streamctl reload --help'.");
}

// --- help -------------------------------------------------------------------------------

TEST(CtlHelpArguments, OverviewAndPerCommand) {
    EXPECT_EQ(request<HelpRequest>({"--help"}).command, "");
    EXPECT_EQ(request<HelpRequest>({"-h"}).command, "");
    EXPECT_EQ(request<HelpRequest>({"help"}).command, "");
    EXPECT_EQ(request<HelpRequest>({"help", "watch"}).command, "watch");
    EXPECT_EQ(request<HelpRequest>({"status", "--help"}).command, "status");
    EXPECT_EQ(request<HelpRequest>({"--help", "cancel"}).command, "cancel");
    EXPECT_EQ(request<HelpRequest>({"send", "-h"}).command, "send");
    // Help wins over operands that would not parse.
    EXPECT_EQ(request<HelpRequest>({"status", "x", "--help"}).command, "status");
    EXPECT_EQ(request<HelpRequest>({"send", "--help", "--json"}).command, "send");
}

TEST(CtlHelpArguments, UnknownCommands) {
    EXPECT_EQ(message({"help", "frob"}), "unknown command 'frob'");
    EXPECT_EQ(message({"help", "send", "list"}), "unexpected argument 'list'");
    EXPECT_EQ(message({"frob", "--help"}), "unknown command 'frob'");
    EXPECT_EQ(hint({"help", "frob"}), "Try 'streamctl --help'.");
    EXPECT_EQ(hint({"frob"}), "Try 'streamctl --help'.");
}

TEST(CtlHelpArguments, EachCommandHasItsOwnUsage) {
    for (const char* command : {"send", "list", "status", "cancel", "stats", "watch", "reload"}) {
        const std::string text = usage_text(command);
        EXPECT_EQ(text.rfind(std::string("Usage: streamctl [--user] ") + command, 0), 0u) << text;
        EXPECT_NE(text.find("-h, --help"), std::string::npos) << text;
    }
    EXPECT_NE(usage_text("list").find("--json[=pretty]"), std::string::npos);
    EXPECT_NE(usage_text("list").find("--no-legend"), std::string::npos);
    EXPECT_NE(usage_text("status").find("status [OPTIONS] ID..."), std::string::npos);
    EXPECT_NE(usage_text("watch").find("watch [OPTIONS] [ID]"), std::string::npos);
    EXPECT_NE(usage_text("cancel").find("Usage: streamctl [--user] cancel ID...\n"),
              std::string::npos);
    EXPECT_EQ(usage_text("cancel").find("--json"), std::string::npos);
    EXPECT_EQ(usage_text("help"), usage_text());
}

TEST(CtlHelpArguments, UsageTextLinesFitEightyColumns) {
    for (const char* command : {"", "send", "list", "status", "cancel", "stats", "watch"}) {
        const std::string text = usage_text(command);
        size_t start = 0;
        while (start < text.size()) {
            const size_t end = text.find('\n', start);
            EXPECT_LE(end - start, 80u) << text.substr(start, end - start);
            start = end + 1;
        }
    }
}

// --- errors point at the right help -----------------------------------------------------

TEST(CtlUsageHints, UnknownOptionOfAKnownCommand) {
    EXPECT_EQ(message({"list", "--frob"}), "unknown option '--frob'");
    EXPECT_EQ(hint({"list", "--frob"}), "Try 'streamctl list --help'.");
    EXPECT_EQ(hint({"--frob", "stats"}), "Try 'streamctl stats --help'.");
    EXPECT_EQ(hint({"--frob"}), "Try 'streamctl --help'.");
    EXPECT_EQ(hint({}), "Try 'streamctl --help'.");
}

TEST(CtlUsageHints, TheCommandIsKnownEvenAfterAnOptionValue) {
    EXPECT_EQ(hint({"--streams", "4", "send", "a"}), "Try 'streamctl send --help'.");
}

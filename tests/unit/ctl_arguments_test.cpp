// streamctl's parts that need no bus: the command line, JSON and the text it prints.

#include "ctl/arguments.hpp"
#include "ctl/failure.hpp"
#include "ctl/json_writer.hpp"
#include "ctl/progress_line.hpp"
#include "ctl/send_summary.hpp"
#include "ctl/source_file.hpp"
#include "ctl/terminal_text.hpp"
#include "temp_dir.hpp"

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <initializer_list>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace streamd::ctl;

namespace {

Invocation parse(std::initializer_list<std::string_view> args) {
    const std::vector<std::string_view> v(args);
    return parse_arguments(v);
}

SendRequest parse_send(std::initializer_list<std::string_view> args) {
    return std::get<SendRequest>(parse(args).request);
}

// The UsageError message for `args`, or "" when they parse.
std::string usage_error(std::initializer_list<std::string_view> args) {
    try {
        parse(args);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

} // namespace

// --- the command line -------------------------------------------------------------------

TEST(CtlArguments, SendWithDefaults) {
    const Invocation inv = parse({"send", "big.iso", "otherhost"});
    EXPECT_EQ(inv.bus, BusKind::System);
    const auto& r = std::get<SendRequest>(inv.request);
    EXPECT_EQ(r.paths, std::vector<std::string>{"big.iso"});
    EXPECT_EQ(r.destination, "otherhost");
    EXPECT_FALSE(r.streams);
    EXPECT_FALSE(r.chunk_size);
    EXPECT_FALSE(r.name);
    EXPECT_TRUE(r.wait);
}

TEST(CtlArguments, SendDestinationIsPassedThrough) {
    EXPECT_EQ(parse_send({"send", "f", "host:7741"}).destination, "host:7741");
    EXPECT_EQ(parse_send({"send", "f", "[::1]:7740"}).destination, "[::1]:7740");
}

TEST(CtlArguments, SendWithEveryOption) {
    const auto r = parse_send({"send", "--streams", "4", "--chunk-size", "8M", "--as", "copy.iso",
                               "--no-block", "big.iso", "h"});
    EXPECT_EQ(r.streams, 4u);
    EXPECT_EQ(r.chunk_size, 8u << 20);
    EXPECT_EQ(r.name, "copy.iso");
    EXPECT_FALSE(r.wait);
    EXPECT_EQ(r.paths, std::vector<std::string>{"big.iso"});
    EXPECT_EQ(r.destination, "h");
}

TEST(CtlArguments, GetTakesAHostAndAName) {
    const auto plain = std::get<GetRequest>(parse({"get", "otherhost:7741", "photos"}).request);
    EXPECT_EQ(plain.source, "otherhost:7741");
    EXPECT_EQ(plain.name, "photos");
    EXPECT_FALSE(plain.as);
    EXPECT_FALSE(plain.streams);
    EXPECT_TRUE(plain.wait);
    const auto r = std::get<GetRequest>(parse({"get", "h", "a b.iso", "--as", "copy.iso",
                                               "--streams=2", "--chunk-size", "1M", "--no-block"})
                                            .request);
    EXPECT_EQ(r.name, "a b.iso");
    EXPECT_EQ(r.as, "copy.iso");
    EXPECT_EQ(r.streams, 2u);
    EXPECT_EQ(r.chunk_size, 1u << 20);
    EXPECT_FALSE(r.wait);
}

TEST(CtlArguments, GetRefusesWhatCannotBeAName) {
    EXPECT_EQ(usage_error({"get"}), "missing HOST[:PORT] and NAME for 'get'");
    EXPECT_EQ(usage_error({"get", "h"}), "missing NAME for 'get'");
    EXPECT_EQ(usage_error({"get", "h", "a", "b"}), "unexpected argument 'b'");
    EXPECT_NE(usage_error({"get", "h", "dir/file"}).find("is not a name HOST can show"),
              std::string::npos);
    EXPECT_NE(usage_error({"get", "h", "f", "--as", "../x"}).find("--as: "), std::string::npos);
    EXPECT_EQ(usage_error({"get", "h", "f", "--rate", "1M"}),
              "option '--rate' does not apply to 'get'");
}

TEST(CtlArguments, OptionsAfterOperandsAndWithEquals) {
    const auto r = parse_send(
        {"send", "big.iso", "h", "--streams=16", "--chunk-size=1MiB", "--as=x.iso", "--no-block"});
    EXPECT_EQ(r.streams, 16u);
    EXPECT_EQ(r.chunk_size, 1u << 20);
    EXPECT_EQ(r.name, "x.iso");
    EXPECT_FALSE(r.wait);
}

TEST(CtlArguments, OptionsBetweenOperands) {
    const auto r = parse_send({"send", "big.iso", "--streams", "2", "h"});
    EXPECT_EQ(r.paths, std::vector<std::string>{"big.iso"});
    EXPECT_EQ(r.destination, "h");
    EXPECT_EQ(r.streams, 2u);
}

TEST(CtlArguments, LastRepeatedOptionWins) {
    EXPECT_EQ(parse_send({"send", "f", "h", "--streams", "2", "--streams", "3"}).streams, 3u);
}

TEST(CtlArguments, DoubleDashEndsOptions) {
    const auto r = parse_send({"send", "--", "--weird-name", "h"});
    EXPECT_EQ(r.paths, std::vector<std::string>{"--weird-name"});
    EXPECT_EQ(r.destination, "h");
}

TEST(CtlArguments, SingleDashIsAnOperand) {
    EXPECT_EQ(parse_send({"send", "-", "h"}).paths, std::vector<std::string>{"-"});
}

TEST(CtlArguments, UserSelectsTheSessionBusAnywhere) {
    EXPECT_EQ(parse({"--user", "list"}).bus, BusKind::Session);
    EXPECT_EQ(parse({"list", "--user"}).bus, BusKind::Session);
    EXPECT_EQ(parse({"send", "f", "h", "--user"}).bus, BusKind::Session);
    EXPECT_EQ(parse({"list"}).bus, BusKind::System);
}

TEST(CtlArguments, List) {
    const auto plain = std::get<ListRequest>(parse({"list"}).request);
    EXPECT_FALSE(plain.json);
    EXPECT_TRUE(plain.legend);
    EXPECT_EQ(std::get<ListRequest>(parse({"list", "--json"}).request).json, JsonStyle::Compact);
    EXPECT_EQ(std::get<ListRequest>(parse({"--json", "list"}).request).json, JsonStyle::Compact);
    EXPECT_EQ(std::get<ListRequest>(parse({"list", "--json=pretty"}).request).json,
              JsonStyle::Pretty);
    EXPECT_FALSE(std::get<ListRequest>(parse({"list", "--no-legend"}).request).legend);
}

TEST(CtlArguments, HelpAndVersion) {
    EXPECT_TRUE(std::holds_alternative<HelpRequest>(parse({"--help"}).request));
    EXPECT_TRUE(std::holds_alternative<HelpRequest>(parse({"-h"}).request));
    EXPECT_TRUE(std::holds_alternative<HelpRequest>(parse({"send", "--help"}).request));
    EXPECT_TRUE(std::holds_alternative<HelpRequest>(parse({"--version", "--help"}).request));
    EXPECT_TRUE(std::holds_alternative<VersionRequest>(parse({"--version"}).request));
    EXPECT_TRUE(std::holds_alternative<VersionRequest>(parse({"--user", "--version"}).request));
}

TEST(CtlArguments, UsageTextNamesEveryCommandAndOption) {
    const std::string text = usage_text();
    for (const char* word :
         {"send PATH... HOST[:PORT]", "list", "status ID...", "cancel ID...", "stats", "watch [ID]",
          "reload", "help [COMMAND]", "--user", "--help", "--version", "streamctl COMMAND --help"})
        EXPECT_NE(text.find(word), std::string::npos) << word;
    const std::string send = usage_text("send");
    for (const char* word : {"send [OPTIONS] PATH... HOST[:PORT]", "--streams N",
                             "--chunk-size SIZE", "--as NAME", "--no-block", "--user", "--help"})
        EXPECT_NE(send.find(word), std::string::npos) << word;
    EXPECT_EQ(send.find("--json"), std::string::npos);
}

TEST(CtlArguments, MissingOrUnknownCommand) {
    EXPECT_EQ(usage_error({}), "no command given");
    EXPECT_EQ(usage_error({"--user"}), "no command given");
    EXPECT_EQ(usage_error({"frob"}), "unknown command 'frob'");
    EXPECT_EQ(usage_error({"SEND", "f", "h"}), "unknown command 'SEND'");
}

TEST(CtlArguments, UnknownOptions) {
    EXPECT_EQ(usage_error({"list", "--frob"}), "unknown option '--frob'");
    EXPECT_EQ(usage_error({"list", "-x"}), "unknown option '-x'");
    EXPECT_EQ(usage_error({"list", "--frob=1"}), "unknown option '--frob'");
    EXPECT_EQ(usage_error({"list", "-hv"}), "unknown option '-hv'");
}

TEST(CtlArguments, OptionsOfTheOtherCommand) {
    EXPECT_EQ(usage_error({"list", "--streams", "3"}),
              "option '--streams' does not apply to 'list'");
    EXPECT_EQ(usage_error({"list", "--no-block"}), "option '--no-block' does not apply to 'list'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--json"}),
              "option '--json' does not apply to 'send'");
}

TEST(CtlArguments, OptionValues) {
    EXPECT_EQ(usage_error({"send", "f", "h", "--streams"}), "option '--streams' needs a value");
    EXPECT_EQ(usage_error({"send", "f", "h", "--as"}), "option '--as' needs a value");
    EXPECT_EQ(usage_error({"list", "--json=yes"}),
              "invalid value 'yes' for '--json': use --json or --json=pretty");
    EXPECT_EQ(usage_error({"--user=1", "list"}), "option '--user' does not take a value");
}

TEST(CtlArguments, SendOperands) {
    EXPECT_EQ(usage_error({"send"}), "missing PATH and HOST[:PORT] for 'send'");
    EXPECT_EQ(usage_error({"send", "f"}), "missing HOST[:PORT] for 'send'");
    EXPECT_EQ(usage_error({"list", "extra"}), "unexpected argument 'extra'");
}

TEST(CtlArguments, StreamsRange) {
    EXPECT_EQ(parse_send({"send", "f", "h", "--streams", "1"}).streams, 1u);
    EXPECT_EQ(parse_send({"send", "f", "h", "--streams", "64"}).streams, 64u);
    const std::string rule = "--streams must be a whole number from 1 to 64, not ";
    EXPECT_EQ(usage_error({"send", "f", "h", "--streams", "0"}), rule + "'0'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--streams", "65"}), rule + "'65'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--streams", "-1"}), rule + "'-1'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--streams", "4x"}), rule + "'4x'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--streams="}), rule + "''");
    EXPECT_EQ(usage_error({"send", "f", "h", "--streams", "99999999999"}), rule + "'99999999999'");
}

TEST(CtlArguments, ChunkSizeRangeAndAlignment) {
    EXPECT_EQ(parse_send({"send", "f", "h", "--chunk-size", "64K"}).chunk_size, 64u << 10);
    EXPECT_EQ(parse_send({"send", "f", "h", "--chunk-size", "256M"}).chunk_size, 256u << 20);
    EXPECT_EQ(parse_send({"send", "f", "h", "--chunk-size", "65536"}).chunk_size, 65536u);
    EXPECT_EQ(parse_send({"send", "f", "h", "--chunk-size", "68K"}).chunk_size, 68u << 10);
    EXPECT_EQ(usage_error({"send", "f", "h", "--chunk-size", "60K"}),
              "--chunk-size must be between 64 KiB and 256 MiB, not '60K'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--chunk-size", "257M"}),
              "--chunk-size must be between 64 KiB and 256 MiB, not '257M'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--chunk-size", "65537"}),
              "--chunk-size must be a multiple of 4 KiB, not '65537'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--chunk-size", "1X"}),
              "--chunk-size: invalid size '1X': unknown unit");
    EXPECT_NE(usage_error({"send", "f", "h", "--chunk-size", "lots"}), "");
}

TEST(CtlArguments, AsMustBeABareName) {
    EXPECT_EQ(parse_send({"send", "f", "h", "--as", "ok name.txt"}).name, "ok name.txt");
    EXPECT_EQ(usage_error({"send", "f", "h", "--as", "a/b"}), "--as: the name contains '/'");
    EXPECT_EQ(usage_error({"send", "f", "h", "--as", ".."}), "--as: '..' is not a file name");
    EXPECT_EQ(usage_error({"send", "f", "h", "--as="}), "--as: the name is empty");
    EXPECT_EQ(usage_error({"send", "f", "h", "--as", "a\nb"}),
              "--as: the name contains control characters");
    EXPECT_NE(usage_error({"send", "f", "h", "--as", ".streamd-x"}), "");
    EXPECT_NE(usage_error({"send", "f", "h", "--as", "bad\xff"}), "");
}

// --- JSON -----------------------------------------------------------------------------

TEST(CtlJsonWriter, NestedContainers) {
    JsonWriter w;
    w.begin_array();
    w.begin_object();
    w.key("a");
    w.number(1);
    w.key("b");
    w.begin_array();
    w.string("x");
    w.number(18446744073709551615ull);
    w.end_array();
    w.end_object();
    w.begin_object();
    w.end_object();
    w.end_array();
    EXPECT_EQ(w.text(), R"([{"a":1,"b":["x",18446744073709551615]},{}])");
}

TEST(CtlJsonWriter, KeysAreEscapedToo) {
    JsonWriter w;
    w.begin_object();
    w.key("a\"b");
    w.string("");
    w.end_object();
    EXPECT_EQ(w.text(), R"({"a\"b":""})");
}

// --- terminal text --------------------------------------------------------------------

TEST(CtlTerminalText, Printable) {
    EXPECT_EQ(printable("plain name.txt"), "plain name.txt");
    EXPECT_EQ(printable("a\tb\nc\x7f"), "a?b?c?");
    EXPECT_EQ(printable("\xc2\x9b"), "?"); // C1 CSI
    EXPECT_EQ(printable("\xff\xfe"), "??");
    EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
}

TEST(CtlTerminalText, WidthAndFitting) {
    EXPECT_EQ(display_width("caf\xc3\xa9"), 4u);
    EXPECT_EQ(fit_to_width("abcdef", 6), "abcdef");
    EXPECT_EQ(fit_to_width("abcdefg", 6), "abc...");
    EXPECT_EQ(fit_to_width("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4), "\xc3\xa9...");
    EXPECT_EQ(fit_to_width("abcdef", 2), "ab");
    EXPECT_EQ(fit_to_width("abcdef", 0), "");
}

// --- the progress line ----------------------------------------------------------------

namespace {

TransferSnapshot running(uint64_t done, uint64_t size, uint64_t rate) {
    TransferSnapshot t;
    t.id = 3;
    t.state = "running";
    t.name = "big.iso";
    t.size = size;
    t.bytes_done = done;
    t.rate = rate;
    return t;
}

} // namespace

TEST(CtlProgressLine, Percent) {
    EXPECT_EQ(percent_done(0, 100), 0u);
    EXPECT_EQ(percent_done(45, 100), 45u);
    EXPECT_EQ(percent_done(999, 1000), 99u);
    EXPECT_EQ(percent_done(9999999, 10000000), 99u);
    EXPECT_EQ(percent_done(100, 100), 100u);
    EXPECT_EQ(percent_done(0, 0), 100u);
    EXPECT_EQ(percent_done(1ull << 62, 1ull << 63), 50u);
}

TEST(CtlProgressLine, Eta) {
    EXPECT_EQ(format_eta(0, 10), "0:00");
    EXPECT_EQ(format_eta(70, 10), "0:07");
    EXPECT_EQ(format_eta(71, 10), "0:08"); // rounds up: never promise too early
    EXPECT_EQ(format_eta(754, 1), "12:34");
    EXPECT_EQ(format_eta(3723, 1), "1:02:03");
    EXPECT_EQ(format_eta(100, 0), "--:--");
    EXPECT_EQ(format_eta(100 * 3600, 1), "--:--");
}

TEST(CtlProgressLine, RunningOnAWideTerminal) {
    const auto line = format_progress_line(running(1288490189, 2856153907, 512ull << 20), 120);
    EXPECT_EQ(line, "big.iso  [#############-----------------]   45%  1.20 GiB / 2.66 GiB  "
                    "512 MiB/s  ETA 0:03");
}

TEST(CtlProgressLine, ShowsTheStateBeforeAndAfterTheData) {
    TransferSnapshot t = running(0, 1 << 20, 0);
    t.state = "connecting";
    EXPECT_EQ(format_progress_line(t, 80),
              "big.iso  [------------------------------]    0%  0 B / 1.00 MiB  connecting");
    t.state = "verifying";
    t.bytes_done = t.size;
    EXPECT_EQ(format_progress_line(t, 80),
              "big.iso  [##############################]  100%  1.00 MiB / 1.00 MiB  verifying");
}

TEST(CtlProgressLine, NeverWiderThanTheTerminal) {
    TransferSnapshot t = running(123456789, 987654321, 12345678);
    t.name = std::string(200, 'n');
    for (size_t columns : {0u, 1u, 10u, 30u, 50u, 60u, 80u, 100u, 300u}) {
        const std::string line = format_progress_line(t, columns);
        EXPECT_LE(display_width(line), columns > 0 ? columns - 1 : 0) << columns;
    }
}

TEST(CtlProgressLine, ShortensALongNameBeforeDroppingTheBar) {
    TransferSnapshot t = running(50, 100, 10);
    t.name = std::string(60, 'n');
    const std::string line = format_progress_line(t, 80);
    EXPECT_NE(line.find("...  [#####-----]"), std::string::npos) << line;
    EXPECT_NE(line.find("ETA 0:05"), std::string::npos) << line;
    EXPECT_EQ(display_width(line), 79u);
}

TEST(CtlProgressLine, EmptyFileIsComplete) {
    EXPECT_NE(format_progress_line(running(0, 0, 0), 80).find("100%"), std::string::npos);
}

TEST(CtlProgressLine, BytesDoneBeyondSizeAreCapped) {
    const auto line = format_progress_line(running(200, 100, 0), 80);
    EXPECT_NE(line.find("100%  100 B / 100 B"), std::string::npos) << line;
}

TEST(CtlProgressLine, HostileNameIsMadePrintable) {
    TransferSnapshot t = running(0, 10, 0);
    t.name = "a\rb";
    EXPECT_EQ(format_progress_line(t, 80).substr(0, 5), "a?b  ");
}

TEST(CtlProgressLine, AFolderCountsItsFilesAfterItsBytes) {
    TransferSnapshot t = running(1288490189, 2856153907, 512ull << 20);
    t.name = "photos";
    t.files = 10100;
    t.files_done = 8204;
    EXPECT_EQ(format_progress_line(t, 120),
              "photos  [#############-----------------]   45%  1.20 GiB / 2.66 GiB  "
              "8204/10100 files  512 MiB/s  ETA 0:03");
    t.state = "queued";
    t.bytes_done = 0;
    t.files_done = 0;
    EXPECT_EQ(
        format_progress_line(t, 120),
        "photos  [------------------------------]    0%  0 B / 2.66 GiB  0/10100 files  queued");
}

TEST(CtlProgressLine, AnEmptyFolderHasNoFiles) {
    TransferSnapshot t = running(0, 0, 0);
    t.name = "empty";
    t.state = "connecting";
    t.files = 0;
    EXPECT_EQ(format_progress_line(t, 80),
              "empty  [##############################]  100%  0 B / 0 B  0/0 files  connecting");
}

TEST(CtlProgressLine, AFolderLineIsNeverWiderThanTheTerminal) {
    TransferSnapshot t = running(123456789, 987654321, 12345678);
    t.name = "photos";
    t.files = 4000000000u;
    t.files_done = 3999999999u;
    for (size_t columns : {0u, 1u, 10u, 30u, 50u, 60u, 80u, 100u, 300u}) {
        const std::string line = format_progress_line(t, columns);
        EXPECT_LE(display_width(line), columns > 0 ? columns - 1 : 0) << columns;
    }
    // As the rest of the line, the count is cut at the end rather than wrapped.
    EXPECT_EQ(format_progress_line(t, 80),
              "photos   12%  118 MiB / 942 MiB  3999999999/4000000000 files  11.8 MiB/s  ET...");
    // On 80 columns the bar gives way before the count does.
    t.files = 10100;
    t.files_done = 8204;
    EXPECT_EQ(format_progress_line(t, 80),
              "photos   12%  118 MiB / 942 MiB  8204/10100 files  11.8 MiB/s  ETA 1:11");
}

// --- the summary ----------------------------------------------------------------------

TEST(CtlSendSummary, Line) {
    EXPECT_EQ(format_send_summary("big.iso", "otherhost", "big.iso", 3ull << 30, 1.2),
              "sent big.iso to otherhost as big.iso: 3.00 GiB in 1.20 s (2.50 GiB/s)");
    EXPECT_EQ(format_send_summary("a.txt", "h:7741", "a (1).txt", 1000, 10.004),
              "sent a.txt to h:7741 as a (1).txt: 1000 B in 10.00 s (100 B/s)");
}

TEST(CtlSendSummary, AFolderCountsItsFiles) {
    EXPECT_EQ(format_send_summary("photos", "otherhost", "photos", 3ull << 30, 1.2, 10100),
              "sent photos to otherhost as photos: 3.00 GiB, 10100 files in 1.20 s (2.50 GiB/s)");
    EXPECT_EQ(format_send_summary("empty", "h", "empty (1)", 0, 0.5, 0),
              "sent empty to h as empty (1): 0 B, 0 files in 0.50 s (0 B/s)");
    // One file reads as it always did, whether a file or a folder that holds one.
    EXPECT_EQ(format_send_summary("a", "h", "a", 1000, 10.0, 1),
              "sent a to h as a: 1000 B in 10.00 s (100 B/s)");
}

TEST(CtlSendSummary, AFetchSaysWhereFrom) {
    EXPECT_EQ(format_get_summary("photos", "h:7741", "photos (1)", 3ull << 30, 1.2, 10100),
              "got photos from h:7741 as photos (1): 3.00 GiB, 10100 files in 1.20 s (2.50 GiB/s)");
}

TEST(CtlSendSummary, InstantTransfersDoNotDivideByZero) {
    EXPECT_EQ(format_send_summary("e", "h", "e", 0, 0.0),
              "sent e to h as e: 0 B in 0.01 s (0 B/s)");
}

// --- the local file -------------------------------------------------------------------

namespace {

class CtlSourceFile : public ::testing::Test {
protected:
    std::string failure_for(const std::string& path) {
        try {
            open_source_file(path);
        } catch (const Failure& e) {
            return e.what();
        }
        return "";
    }

    streamd::fixtures::TempDir dir_{"streamctl-test"};
};

} // namespace

TEST_F(CtlSourceFile, RegularFileOpensBlocking) {
    const std::string path = dir_ / "data.bin";
    std::ofstream(path) << "payload";
    const streamd::UniqueFd fd = open_source_file(path);
    ASSERT_TRUE(fd);
    const int flags = ::fcntl(fd.get(), F_GETFL);
    EXPECT_EQ(flags & O_ACCMODE, O_RDONLY);
    EXPECT_EQ(flags & O_NONBLOCK, 0);
    EXPECT_NE(::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(CtlSourceFile, MissingFile) {
    const std::string path = dir_ / "missing";
    EXPECT_EQ(failure_for(path), "cannot open '" + path + "': No such file or directory");
}

TEST_F(CtlSourceFile, UnreadableFile) {
    if (::geteuid() == 0) GTEST_SKIP() << "root reads every file";
    const std::string path = dir_ / "secret";
    std::ofstream(path) << "x";
    ::chmod(path.c_str(), 0);
    EXPECT_EQ(failure_for(path), "cannot open '" + path + "': Permission denied");
}

TEST_F(CtlSourceFile, DirectoryIsNotOpenedAsAFile) {
    EXPECT_EQ(failure_for(dir_.path()),
              "'" + dir_.path().string() + "' is neither a regular file nor a folder");
}

TEST_F(CtlSourceFile, FifoIsRefusedWithoutHanging) {
    const std::string path = dir_ / "fifo";
    ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
    EXPECT_EQ(failure_for(path), "'" + path + "' is neither a regular file nor a folder");
}

// --- several progress lines -----------------------------------------------------------

TEST(CtlProgressLine, NameColumnLinesUpTheBars) {
    TransferSnapshot a = running(0, 100, 0);
    a.state = "queued";
    a.name = "a.iso";
    TransferSnapshot b = running(50, 100, 10);
    b.name = "longer-name.iso";
    const std::string la = format_progress_line(a, 120, 15);
    const std::string lb = format_progress_line(b, 120, 15);
    EXPECT_EQ(la.find('['), lb.find('[')) << la << "\n" << lb;
    EXPECT_EQ(la.substr(0, 18), "a.iso            [");
    EXPECT_NE(la.find("queued"), std::string::npos) << la;
}

TEST(CtlProgressLine, NameColumnGivesWayOnANarrowTerminal) {
    const TransferSnapshot t = running(50, 100, 10);
    const std::string line = format_progress_line(t, 60, 40);
    EXPECT_EQ(line.substr(0, 10), "big.iso  [") << line;
    EXPECT_LE(display_width(line), 59u);
}

TEST(CtlProgressLine, RateAndTimeLeft) {
    EXPECT_EQ(format_rate(0), "0 B/s");
    EXPECT_EQ(format_rate(512ull << 20), "512 MiB/s");
    EXPECT_EQ(format_seconds_left(0), "0:00");
    EXPECT_EQ(format_seconds_left(3723), "1:02:03");
    EXPECT_EQ(format_seconds_left(100 * 3600), "--:--");
}

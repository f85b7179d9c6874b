#include "arguments.hpp"

#include "file_name.hpp"
#include "native_frames.hpp"
#include "size_units.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace streamd::ctl {

namespace {

enum class Value {
    None,
    Required, // "--as NAME" or "--as=NAME"
    // Only as "--json=pretty": a separate word after "--json" is an operand, as with
    // systemctl's --json.
    AfterEquals,
};

struct OptionSyntax {
    std::string_view name;
    Value value;
    bool global;
};

constexpr OptionSyntax kOptions[] = {
    {"--user", Value::None, true},
    {"--help", Value::None, true},
    {"-h", Value::None, true},
    {"--version", Value::None, true},
    {"--streams", Value::Required, false},
    {"--chunk-size", Value::Required, false},
    {"--rate", Value::Required, false},
    {"--as", Value::Required, false},
    {"--no-block", Value::None, false},
    {"--json", Value::AfterEquals, false},
    {"--no-legend", Value::None, false},
};

// One line of a usage text; `name` is what the command line says.
struct OptionHelp {
    std::string_view name;
    std::string_view synopsis;
    std::string_view text;
};

constexpr OptionHelp kGlobalHelp[] = {
    {"--user", "--user", "use the streamd on the session bus, not the system one"},
    {"--help", "-h, --help", "show this help and exit"},
    {"--version", "--version", "show the version and exit"},
};

constexpr OptionHelp kSendOptions[] = {
    {"--streams", "--streams N", "parallel TCP streams, 1 to 64 (default: streamd's)"},
    {"--chunk-size", "--chunk-size SIZE", "bytes per chunk, 64K to 256M, a multiple of 4K"},
    {"--rate", "--rate RATE", "at most RATE bytes a second, 64K or more, e.g. 10M"},
    {"--as", "--as NAME", "offer the file or folder under NAME (one PATH only)"},
    {"--no-block", "--no-block", "print the transfers' ids, one a line, and do not wait"},
};
constexpr OptionHelp kGetOptions[] = {
    {"--streams", "--streams N", "parallel TCP streams, 1 to 64 (default: HOST's streamd's)"},
    {"--chunk-size", "--chunk-size SIZE", "bytes per chunk, 64K to 256M, a multiple of 4K"},
    {"--as", "--as LOCAL", "store it under the name LOCAL"},
    {"--no-block", "--no-block", "print the transfer's id once it has begun, and do not wait"},
};
constexpr OptionHelp kListOptions[] = {
    {"--json", "--json[=pretty]", "print a JSON array instead; indented with =pretty"},
    {"--no-legend", "--no-legend", "print the rows alone, without header and footer"},
};
constexpr OptionHelp kStatusOptions[] = {
    {"--json", "--json[=pretty]", "print a JSON object (an array for several IDs)"},
};
constexpr OptionHelp kStatsOptions[] = {
    {"--json", "--json[=pretty]", "print a JSON object instead; indented with =pretty"},
};
constexpr OptionHelp kWatchOptions[] = {
    {"--json", "--json[=pretty]", "print a JSON object per change; indented with =pretty"},
    {"--no-legend", "--no-legend", "draw the table without header and footer"},
};

struct CommandSpec {
    std::string_view name;
    std::string_view operands;
    std::string_view summary;
    std::string_view description;
    std::span<const OptionHelp> options;
};

constexpr CommandSpec kCommands[] = {
    {"send", "PATH... HOST[:PORT]", "send files and folders to HOST and wait for them",
     "Send each PATH, a file or a folder, to the streamd on HOST. A folder goes as\n"
     "one transfer keeping the relative paths of what it holds, empty folders, modes,\n"
     "modification times and symbolic links as links; further names of a hard-linked\n"
     "file, special files and links leading out of it are skipped, each named on\n"
     "standard error. Every PATH is opened and checked before any is queued. Waits\n"
     "until all of them are stored, with a progress line for each on a terminal, and\n"
     "succeeds only if all of them arrived.\n",
     kSendOptions},
    {"get", "HOST[:PORT] NAME", "fetch a file or folder HOST received and wait for it",
     "Fetch NAME, a file or folder the streamd on HOST received and shows on its web\n"
     "page, into the incoming folder of the streamd this command talks to, which\n"
     "must hold HOST's key. HOST's streamd sends it back to that streamd's port as\n"
     "an ordinary transfer. Waits until it is stored, with a progress line on a\n"
     "terminal.\n",
     kGetOptions},
    {"list", "", "show current and recent transfers",
     "Show every transfer streamd knows of, in both directions.\n", kListOptions},
    {"status", "ID...", "show transfers in detail",
     "Show everything streamd knows about the transfers with these IDs.\n", kStatusOptions},
    {"cancel",
     "ID...",
     "cancel queued or running transfers",
     "Cancel the transfers with these IDs. A running transfer stops; the receiver\n"
     "removes what it had written.\n",
     {}},
    {"stats", "", "show streamd's totals and current rates",
     "Show how much streamd has received and sent since it started, how its\n"
     "transfers ended, and what it is doing now.\n",
     kStatsOptions},
    {"watch", "[ID]", "follow transfers as they change",
     "Follow every transfer, or the one with ID, redrawn in place on a terminal. Ends\n"
     "with Ctrl-C; with ID, also when that transfer ends, successfully only if it is\n"
     "done. When standard output is not a terminal, or with --json, print a line\n"
     "(or an indented JSON object) each time a transfer shows up or changes state.\n",
     kWatchOptions},
    {"reload",
     "",
     "make streamd re-read its configuration file",
     "Make streamd re-read its configuration file. Transfers that start afterwards\n"
     "use the new settings; an invalid file is refused and changes nothing.\n",
     {}},
    {"help",
     "[COMMAND]",
     "show this help, or the help of COMMAND",
     "Show the overview of the commands, or the usage of COMMAND.\n",
     {}},
};

const CommandSpec* find_command(std::string_view name) {
    const auto* it = std::find_if(std::begin(kCommands), std::end(kCommands),
                                  [&](const CommandSpec& c) { return c.name == name; });
    return it == std::end(kCommands) ? nullptr : it;
}

struct GivenOption {
    const OptionSyntax* syntax;
    std::optional<std::string_view> value;
};

struct CommandLine {
    std::vector<GivenOption> options;
    std::vector<std::string_view> operands;
    // The first thing that was wrong, kept until the command is known so that the hint can
    // point at that command's help.
    std::optional<std::string> error;

    bool has(std::string_view name) const {
        return std::any_of(options.begin(), options.end(),
                           [&](const GivenOption& o) { return o.syntax->name == name; });
    }
    // The last occurrence wins, as with getopt.
    const GivenOption* last(std::string_view name) const {
        for (auto it = options.rbegin(); it != options.rend(); ++it)
            if (it->syntax->name == name) return &*it;
        return nullptr;
    }
    std::optional<std::string_view> value(std::string_view name) const {
        const GivenOption* o = last(name);
        return o ? o->value : std::nullopt;
    }
    // Operands after the command word.
    std::span<const std::string_view> arguments() const {
        return std::span(operands).subspan(std::min<size_t>(1, operands.size()));
    }
};

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

CommandLine split(std::span<const std::string_view> args) {
    CommandLine line;
    auto note = [&](std::string message) {
        if (!line.error) line.error = std::move(message);
    };
    bool options_ended = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        if (options_ended || arg == "-" || !arg.starts_with('-')) {
            line.operands.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_ended = true;
            continue;
        }
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (const auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        const auto* syntax = std::find_if(std::begin(kOptions), std::end(kOptions),
                                          [&](const OptionSyntax& o) { return o.name == name; });
        if (syntax == std::end(kOptions)) {
            note("unknown option " + quoted(name));
            continue;
        }
        if (syntax->value == Value::Required && !value) {
            if (i + 1 == args.size()) {
                note("option " + quoted(name) + " needs a value");
                continue;
            }
            value = args[++i];
        }
        if (syntax->value == Value::None && value) {
            note("option " + quoted(name) + " does not take a value");
            continue;
        }
        line.options.push_back({syntax, value});
    }
    return line;
}

void check_options(const CommandLine& line, const CommandSpec& command) {
    for (const GivenOption& o : line.options) {
        if (o.syntax->global) continue;
        const bool known =
            std::any_of(command.options.begin(), command.options.end(),
                        [&](const OptionHelp& h) { return h.name == o.syntax->name; });
        if (!known)
            throw UsageError("option " + quoted(o.syntax->name) + " does not apply to " +
                             quoted(command.name));
    }
}

void check_no_arguments(const CommandLine& line) {
    if (!line.arguments().empty())
        throw UsageError("unexpected argument " + quoted(line.arguments().front()));
}

std::optional<JsonStyle> parse_json(const CommandLine& line) {
    const GivenOption* o = line.last("--json");
    if (o == nullptr) return std::nullopt;
    if (!o->value) return JsonStyle::Compact;
    if (*o->value == "pretty") return JsonStyle::Pretty;
    throw UsageError("invalid value " + quoted(*o->value) +
                     " for '--json': use --json or --json=pretty");
}

uint32_t parse_id(std::string_view text) {
    uint32_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id == 0)
        throw UsageError("invalid transfer ID " + quoted(text) +
                         ": a positive whole number is expected");
    return id;
}

std::vector<uint32_t> parse_ids(const CommandLine& line, std::string_view command) {
    if (line.arguments().empty()) throw UsageError("missing ID for " + quoted(command));
    std::vector<uint32_t> ids;
    for (std::string_view a : line.arguments())
        ids.push_back(parse_id(a));
    return ids;
}

uint32_t parse_streams(std::string_view text) {
    uint32_t n = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > proto::kMaxStreams)
        throw UsageError("--streams must be a whole number from 1 to " +
                         std::to_string(proto::kMaxStreams) + ", not " + quoted(text));
    return n;
}

uint64_t parse_chunk_size(std::string_view text) {
    uint64_t bytes = 0;
    try {
        bytes = proto::parse_size(text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--chunk-size: ") + e.what());
    }
    if (bytes < proto::kMinChunk || bytes > proto::kMaxChunk)
        throw UsageError("--chunk-size must be between " + std::to_string(proto::kMinChunk >> 10) +
                         " KiB and " + std::to_string(proto::kMaxChunk >> 20) + " MiB, not " +
                         quoted(text));
    if (!proto::valid_chunk_size(bytes))
        throw UsageError("--chunk-size must be a multiple of " +
                         std::to_string(proto::kChunkAlignment >> 10) + " KiB, not " +
                         quoted(text));
    return bytes;
}

uint64_t parse_rate(std::string_view text) {
    uint64_t rate = 0;
    try {
        rate = proto::parse_size(text);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--rate: ") + e.what());
    }
    if (rate < proto::kMinRate)
        throw UsageError("--rate must be at least " + std::to_string(proto::kMinRate >> 10) +
                         "K (bytes a second), not " + quoted(text));
    return rate;
}

SendRequest parse_send(const CommandLine& line) {
    const auto args = line.arguments();
    if (args.empty()) throw UsageError("missing PATH and HOST[:PORT] for 'send'");
    if (args.size() == 1) throw UsageError("missing HOST[:PORT] for 'send'");
    SendRequest r;
    r.paths.assign(args.begin(), args.end() - 1);
    r.destination = args.back();
    if (auto v = line.value("--streams")) r.streams = parse_streams(*v);
    if (auto v = line.value("--chunk-size")) r.chunk_size = parse_chunk_size(*v);
    if (auto v = line.value("--rate")) r.max_rate = parse_rate(*v);
    if (auto v = line.value("--as")) {
        if (r.paths.size() > 1)
            throw UsageError("--as names a single file or folder, but " +
                             std::to_string(r.paths.size()) + " were given");
        if (auto problem = proto::name_problem(*v)) throw UsageError("--as: " + *problem);
        r.name = std::string(*v);
    }
    r.wait = !line.has("--no-block");
    return r;
}

GetRequest parse_get(const CommandLine& line) {
    const auto args = line.arguments();
    if (args.empty()) throw UsageError("missing HOST[:PORT] and NAME for 'get'");
    if (args.size() == 1) throw UsageError("missing NAME for 'get'");
    if (args.size() > 2) throw UsageError("unexpected argument " + quoted(args[2]));
    GetRequest r;
    r.source = args[0];
    if (auto problem = proto::name_problem(args[1]))
        throw UsageError("NAME " + quoted(args[1]) + " is not a name HOST can show: " + *problem);
    r.name = args[1];
    if (auto v = line.value("--streams")) r.streams = parse_streams(*v);
    if (auto v = line.value("--chunk-size")) r.chunk_size = parse_chunk_size(*v);
    if (auto v = line.value("--as")) {
        if (auto problem = proto::name_problem(*v)) throw UsageError("--as: " + *problem);
        r.as = std::string(*v);
    }
    r.wait = !line.has("--no-block");
    return r;
}

WatchRequest parse_watch(const CommandLine& line) {
    WatchRequest r;
    const auto args = line.arguments();
    if (args.size() > 1) throw UsageError("unexpected argument " + quoted(args[1]));
    if (!args.empty()) r.id = parse_id(args[0]);
    r.json = parse_json(line);
    r.legend = !line.has("--no-legend");
    return r;
}

HelpRequest parse_help(const CommandLine& line) {
    const auto args = line.arguments();
    if (args.empty()) return {};
    if (args.size() > 1) throw UsageError("unexpected argument " + quoted(args[1]));
    if (find_command(args[0]) == nullptr) throw UsageError("unknown command " + quoted(args[0]));
    return {std::string(args[0])};
}

Request parse_request(const CommandLine& line, std::string_view command) {
    if (command == "send") return parse_send(line);
    if (command == "get") return parse_get(line);
    if (command == "list") {
        check_no_arguments(line);
        return ListRequest{.json = parse_json(line), .legend = !line.has("--no-legend")};
    }
    if (command == "status")
        return StatusRequest{.ids = parse_ids(line, command), .json = parse_json(line)};
    if (command == "cancel") return CancelRequest{.ids = parse_ids(line, command)};
    if (command == "stats") {
        check_no_arguments(line);
        return StatsRequest{.json = parse_json(line)};
    }
    if (command == "watch") return parse_watch(line);
    if (command == "reload") {
        check_no_arguments(line);
        return ReloadRequest{};
    }
    return parse_help(line);
}

void append_option(std::string& out, std::string_view synopsis, std::string_view text) {
    constexpr size_t kTextColumn = 26;
    std::string left = synopsis.starts_with("--") ? "      " : "  ";
    left += synopsis;
    left.append(left.size() + 2 <= kTextColumn ? kTextColumn - left.size() : 2, ' ');
    out += left;
    out += text;
    out += '\n';
}

std::string overview_text() {
    std::string out = "Usage: streamctl [--user] COMMAND [ARGUMENTS] [OPTIONS]\n"
                      "\n"
                      "Queue file transfers on streamd and follow them.\n"
                      "\n"
                      "Commands:\n";
    size_t width = 0;
    for (const CommandSpec& c : kCommands)
        width = std::max(width, c.name.size() + 1 + c.operands.size());
    for (const CommandSpec& c : kCommands) {
        std::string left = "  " + std::string(c.name);
        if (!c.operands.empty()) left += " " + std::string(c.operands);
        left.append(width + 4 - left.size(), ' ');
        out += left;
        out += c.summary;
        out += '\n';
    }
    out += "\nOptions:\n";
    for (const OptionHelp& o : kGlobalHelp)
        append_option(out, o.synopsis, o.text);
    out += "\nRun 'streamctl COMMAND --help' for the options of a command.\n";
    return out;
}

std::string command_text(const CommandSpec& c) {
    std::string out = "Usage: streamctl [--user] " + std::string(c.name);
    if (!c.options.empty()) out += " [OPTIONS]";
    if (!c.operands.empty()) out += " " + std::string(c.operands);
    out += "\n\n";
    out += c.description;
    out += "\nOptions:\n";
    for (const OptionHelp& o : c.options)
        append_option(out, o.synopsis, o.text);
    for (const OptionHelp& o : kGlobalHelp)
        if (o.name != "--version") append_option(out, o.synopsis, o.text);
    return out;
}

} // namespace

Invocation parse_arguments(std::span<const std::string_view> args) {
    const CommandLine line = split(args);
    const std::string_view word = line.operands.empty() ? "" : line.operands.front();
    const CommandSpec* command = find_command(word);
    const std::string hint_command = command ? std::string(word) : "";

    if (line.error) throw UsageError(*line.error, hint_command);
    Invocation inv;
    inv.bus = line.has("--user") ? BusKind::Session : BusKind::System;
    if (!word.empty() && command == nullptr) throw UsageError("unknown command " + quoted(word));
    if (line.has("--help") || line.has("-h")) {
        inv.request = HelpRequest{hint_command == "help" ? "" : hint_command};
        return inv;
    }
    if (line.has("--version")) {
        inv.request = VersionRequest{};
        return inv;
    }
    if (command == nullptr) throw UsageError("no command given");
    try {
        check_options(line, *command);
        inv.request = parse_request(line, word);
    } catch (const UsageError& e) {
        throw UsageError(e.what(), hint_command);
    }
    return inv;
}

std::string usage_text(std::string_view command) {
    const CommandSpec* spec = find_command(command);
    return spec != nullptr && spec->name != "help" ? command_text(*spec) : overview_text();
}

std::string usage_hint(const UsageError& error) {
    if (error.command().empty() || error.command() == "help") return "Try 'streamctl --help'.";
    return "Try 'streamctl " + error.command() + " --help'.";
}

} // namespace streamd::ctl

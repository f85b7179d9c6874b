#include "arguments.hpp"

#include "file_name.hpp"
#include "native_frames.hpp"
#include "size_units.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace streamd::ctl {

namespace {

// Chunks are placed by offset with splice into the receiver's page cache; page-aligned
// chunks keep every splice on whole pages.
constexpr uint64_t kChunkAlignment = 4096;

enum class Scope { Global, Send, List };

struct OptionSpec {
    std::string_view name;
    bool takes_value;
    Scope scope;
};

constexpr OptionSpec kOptions[] = {
    {"--user", false, Scope::Global}, {"--help", false, Scope::Global},
    {"-h", false, Scope::Global},     {"--version", false, Scope::Global},
    {"--streams", true, Scope::Send}, {"--chunk-size", true, Scope::Send},
    {"--as", true, Scope::Send},      {"--no-block", false, Scope::Send},
    {"--json", false, Scope::List},
};

struct GivenOption {
    const OptionSpec* spec;
    std::string_view value;
};

struct CommandLine {
    std::vector<GivenOption> options;
    std::vector<std::string_view> operands;

    bool has(std::string_view name) const {
        return std::any_of(options.begin(), options.end(),
                           [&](const GivenOption& o) { return o.spec->name == name; });
    }
    // The last occurrence wins, as with getopt.
    std::optional<std::string_view> value(std::string_view name) const {
        for (auto it = options.rbegin(); it != options.rend(); ++it)
            if (it->spec->name == name) return it->value;
        return std::nullopt;
    }
};

std::string quoted(std::string_view s) {
    return "'" + std::string(s) + "'";
}

CommandLine split(std::span<const std::string_view> args) {
    CommandLine line;
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
        const auto* spec = std::find_if(std::begin(kOptions), std::end(kOptions),
                                        [&](const OptionSpec& o) { return o.name == name; });
        if (spec == std::end(kOptions)) throw UsageError("unknown option " + quoted(name));
        if (spec->takes_value && !value) {
            if (i + 1 == args.size()) throw UsageError("option " + quoted(name) + " needs a value");
            value = args[++i];
        }
        if (!spec->takes_value && value)
            throw UsageError("option " + quoted(name) + " does not take a value");
        line.options.push_back({spec, value.value_or("")});
    }
    return line;
}

void check_scope(const CommandLine& line, Scope scope, std::string_view command) {
    for (const GivenOption& o : line.options)
        if (o.spec->scope != Scope::Global && o.spec->scope != scope)
            throw UsageError("option " + quoted(o.spec->name) + " does not apply to " +
                             quoted(command));
}

void check_operand_count(const CommandLine& line, size_t wanted, std::string_view missing,
                         std::string_view command) {
    // operands[0] is the command itself.
    if (line.operands.size() < wanted + 1)
        throw UsageError("missing " + std::string(missing) + " for " + quoted(command));
    if (line.operands.size() > wanted + 1)
        throw UsageError("unexpected argument " + quoted(line.operands[wanted + 1]));
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
    if (bytes % kChunkAlignment != 0)
        throw UsageError("--chunk-size must be a multiple of " +
                         std::to_string(kChunkAlignment >> 10) + " KiB, not " + quoted(text));
    return bytes;
}

SendRequest parse_send(const CommandLine& line) {
    check_scope(line, Scope::Send, "send");
    check_operand_count(line, 2, line.operands.size() < 2 ? "FILE and HOST[:PORT]" : "HOST[:PORT]",
                        "send");
    SendRequest r;
    r.file = line.operands[1];
    r.destination = line.operands[2];
    if (auto v = line.value("--streams")) r.streams = parse_streams(*v);
    if (auto v = line.value("--chunk-size")) r.chunk_size = parse_chunk_size(*v);
    if (auto v = line.value("--as")) {
        if (auto problem = proto::name_problem(*v)) throw UsageError("--as: " + *problem);
        r.name = std::string(*v);
    }
    r.wait = !line.has("--no-block");
    return r;
}

ListRequest parse_list(const CommandLine& line) {
    check_scope(line, Scope::List, "list");
    check_operand_count(line, 0, "", "list");
    return ListRequest{.json = line.has("--json")};
}

} // namespace

Invocation parse_arguments(std::span<const std::string_view> args) {
    const CommandLine line = split(args);
    Invocation inv;
    inv.bus = line.has("--user") ? BusKind::Session : BusKind::System;
    if (line.has("--help") || line.has("-h")) {
        inv.request = HelpRequest{};
        return inv;
    }
    if (line.has("--version")) {
        inv.request = VersionRequest{};
        return inv;
    }
    if (line.operands.empty()) throw UsageError("no command given");
    const std::string_view command = line.operands[0];
    if (command == "send")
        inv.request = parse_send(line);
    else if (command == "list")
        inv.request = parse_list(line);
    else
        throw UsageError("unknown command " + quoted(command));
    return inv;
}

std::string usage_text() {
    return "Usage: streamctl [--user] COMMAND [ARGUMENTS] [OPTIONS]\n"
           "\n"
           "Queue file transfers on streamd and follow them.\n"
           "\n"
           "Commands:\n"
           "  send FILE HOST[:PORT]   send FILE to the streamd on HOST; waits for it to be\n"
           "                          stored there and shows progress on a terminal\n"
           "      --streams N         parallel TCP streams, 1 to 64 (default: streamd's)\n"
           "      --chunk-size SIZE   bytes per chunk, e.g. 4M: 64K to 256M, a multiple of 4K\n"
           "      --as NAME           offer the file under NAME instead of its own name\n"
           "      --no-block          print the transfer's id and return without waiting\n"
           "  list                    show current and recent transfers\n"
           "      --json              as a JSON array\n"
           "\n"
           "Options:\n"
           "      --user              talk to the streamd on the session bus, not the system bus\n"
           "  -h, --help              show this help and exit\n"
           "      --version           show the version and exit\n";
}

} // namespace streamd::ctl

// The streamctl command line: what it may say and what it means.
#pragma once

#include "json_writer.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::ctl {

enum class BusKind { System, Session };

struct HelpRequest {
    std::string command; // empty: the overview of every command
};
struct VersionRequest {};

struct SendRequest {
    std::vector<std::string> paths; // files and folders, at least one, in the order given
    std::string destination;        // HOST[:PORT], passed to the daemon unchanged
    std::optional<uint32_t> streams;
    std::optional<uint64_t> chunk_size;
    std::optional<uint64_t> max_rate; // bytes per second, --rate
    std::optional<std::string> name;  // --as, only with one path
    bool wait = true;                 // false with --no-block
};

struct GetRequest {
    std::string source; // HOST[:PORT], passed to the daemon unchanged
    std::string name;   // what the other streamd shows of its received files and folders
    std::optional<uint32_t> streams;
    std::optional<uint64_t> chunk_size;
    std::optional<std::string> as; // --as: the name to store it under here
    bool wait = true;              // false with --no-block
};

struct ListRequest {
    std::optional<JsonStyle> json;
    bool legend = true; // false with --no-legend
};

struct StatusRequest {
    std::vector<uint32_t> ids; // at least one
    std::optional<JsonStyle> json;
};

struct CancelRequest {
    std::vector<uint32_t> ids; // at least one
};

struct StatsRequest {
    std::optional<JsonStyle> json;
};

struct WatchRequest {
    std::optional<uint32_t> id;
    // An object for each change: one a line (JSON Lines), or indented with =pretty.
    std::optional<JsonStyle> json;
    bool legend = true;
};

struct ReloadRequest {};

using Request =
    std::variant<HelpRequest, VersionRequest, SendRequest, GetRequest, ListRequest, StatusRequest,
                 CancelRequest, StatsRequest, WatchRequest, ReloadRequest>;

struct Invocation {
    BusKind bus = BusKind::System;
    Request request;
};

// A command line that does not make sense; the message is one line without the
// "streamctl: " prefix.
class UsageError : public std::runtime_error {
public:
    explicit UsageError(const std::string& message, std::string command = {})
        : std::runtime_error(message), command_(std::move(command)) {}

    // The command whose usage was broken, so that the hint can point at its own help; empty
    // when there is no such command.
    const std::string& command() const { return command_; }

private:
    std::string command_;
};

// Parses the arguments after the program name. Options may come before or after the
// command and its operands; "--" ends the options. Throws UsageError.
Invocation parse_arguments(std::span<const std::string_view> args);

// The text printed by --help: the overview for "", a command's own usage otherwise.
std::string usage_text(std::string_view command = {});

// "Try 'streamctl send --help'." after a usage error of `error`.
std::string usage_hint(const UsageError& error);

} // namespace streamd::ctl

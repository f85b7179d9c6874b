// The streamctl command line: what it may say and what it means.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

namespace streamd::ctl {

enum class BusKind { System, Session };

struct HelpRequest {};
struct VersionRequest {};

struct SendRequest {
    std::string file;
    std::string destination; // HOST[:PORT], passed to the daemon unchanged
    std::optional<uint32_t> streams;
    std::optional<uint64_t> chunk_size;
    std::optional<std::string> name; // --as
    bool wait = true;                // false with --no-block
};

struct ListRequest {
    bool json = false;
};

using Request = std::variant<HelpRequest, VersionRequest, SendRequest, ListRequest>;

struct Invocation {
    BusKind bus = BusKind::System;
    Request request;
};

// A command line that does not make sense; the message is one line without the
// "streamctl: " prefix.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses the arguments after the program name. Options may come before or after the
// command and its operands; "--" ends the options. Throws UsageError.
Invocation parse_arguments(std::span<const std::string_view> args);

// The text printed by --help.
std::string usage_text();

} // namespace streamd::ctl

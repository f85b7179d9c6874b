// What a request target names: a path whose segments are percent-encoded, and a query of
// name=value parameters (RFC 3986; the query as browsers' URLSearchParams write it).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::proto::http {

struct TargetParts {
    // Still percent-encoded: split it on "/" before decoding, so that an encoded "/" stays
    // inside its segment.
    std::string_view path;
    std::string_view query;
    bool operator==(const TargetParts&) const = default;
};

// The path and query of a target that the request parser accepted; an absolute-form target
// ("http://host/path") gives its path, or "/" when it has none.
TargetParts split_target(std::string_view target);

// Decodes %XX escapes. Nothing for a "%" without two hex digits after it, and nothing for a
// NUL, as %00 or as it is, which would cut the text short wherever it reaches a C string.
std::optional<std::string> percent_decode(std::string_view component);
// Escapes every byte but the unreserved ones (RFC 3986 2.3), so that the result is one path
// segment whatever `component` holds.
std::string percent_encode(std::string_view component);

struct QueryParameter {
    std::string name;
    std::string value;
    bool operator==(const QueryParameter&) const = default;
};

// "&"-separated name=value pairs, decoded, with "+" for a space as in
// application/x-www-form-urlencoded; a pair without "=" has an empty value and empty pairs
// are skipped. Nothing when any escape is bad.
std::optional<std::vector<QueryParameter>> parse_query(std::string_view query);

} // namespace streamd::proto::http

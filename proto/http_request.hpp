// The head of an HTTP/1.1 request (RFC 9112): request line and header fields, parsed from
// the bytes received so far. Strict where leniency has been used to smuggle requests past
// other parsers (line folding, bare CR, whitespace before the colon, conflicting framing);
// lenient only where RFC 9112 allows a recipient to be (bare LF line ends, empty lines
// before the request line).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::http {

inline constexpr size_t kMaxHead = 16 * 1024;
inline constexpr size_t kMaxHeaders = 64;
inline constexpr size_t kMaxTarget = 4 * 1024;

enum class Method : uint8_t { Get, Head, Post, Put, Patch, Delete, Options };
enum class Version : uint8_t { Http10, Http11 };

// The statuses a request can be refused with before any handler sees it.
enum class Status : uint16_t {
    BadRequest = 400,
    UriTooLong = 414,
    UpgradeRequired = 426,
    HeadersTooLarge = 431,
    NotImplemented = 501,
    VersionNotSupported = 505,
};

struct Header {
    std::string_view name;
    std::string_view value;
    bool operator==(const Header&) const = default;
};

// Views into the bytes given to the parser: valid while those bytes are.
struct Request {
    Method method = Method::Get;
    std::string_view target;
    Version version = Version::Http11;
    // In the order received, names as sent, values without surrounding whitespace.
    std::vector<Header> headers;
    // Present when the request announced a body.
    std::optional<uint64_t> content_length;
    // Where the body or the next request starts.
    size_t head_size = 0;

    // The value of the first field called `name`, compared without regard to case.
    std::optional<std::string_view> find(std::string_view name) const;
    size_t count(std::string_view name) const;
    // Whether any field called `name` lists `token` (RFC 9110 5.6.1), without regard to case:
    // a list may be split over several fields of the same name.
    bool has_token(std::string_view name, std::string_view token) const;

    bool operator==(const Request&) const = default;
};

struct NeedMore {
    bool operator==(const NeedMore&) const = default;
};

// The status to answer with and why, in one line.
struct RequestError {
    Status status = Status::BadRequest;
    std::string_view reason;
    bool operator==(const RequestError&) const = default;
};

using ParseResult = std::variant<NeedMore, Request, RequestError>;

// Parses a request head as it arrives. Each call passes every byte received since the
// request began (the buffer may have moved, its contents may not change); the parser
// resumes where the last call stopped, so that a head sent a byte at a time costs no more
// than one sent whole. A verdict is always reached within kMaxHead bytes: a buffer of that
// size is enough. Once there is a verdict, later calls repeat it; reset() starts over.
class RequestParser {
public:
    ParseResult parse(std::span<const uint8_t> received);
    void reset() { *this = RequestParser{}; }

private:
    enum class State : uint8_t {
        LineStart,
        LeadingCr,
        Method,
        Target,
        Version,
        RequestLineCr,
        FieldStart,
        FieldName,
        FieldValue,
        FieldCr,
        EndCr,
        Done,
        Failed,
    };
    // Offsets into the received bytes; the head limit keeps them within 16 bits.
    struct FieldOffsets {
        uint16_t name = 0;
        uint16_t colon = 0;
        uint16_t value = 0;
        uint16_t value_end = 0;
    };

    ParseResult fail(Status status, std::string_view reason);
    ParseResult finish(std::span<const uint8_t> head);
    Request request(std::span<const uint8_t> head) const;

    State state_ = State::LineStart;
    size_t pos_ = 0;
    size_t token_start_ = 0;
    Method method_ = Method::Get;
    uint16_t target_ = 0;
    uint16_t target_end_ = 0;
    Version version_ = Version::Http11;
    std::array<FieldOffsets, kMaxHeaders> fields_{};
    size_t field_count_ = 0;
    std::optional<uint64_t> content_length_;
    RequestError error_;
};

// One-shot parse of bytes that need not be complete.
ParseResult parse_request(std::span<const uint8_t> received);

// The elements of a comma-separated list (RFC 9110 5.6.1) without surrounding whitespace;
// empty elements are dropped, as recipients must accept and ignore them.
std::vector<std::string_view> split_list(std::string_view value);

bool equal_ignoring_case(std::string_view a, std::string_view b);
// RFC 9110 5.6.2: the characters of a field name or a method.
bool is_token(std::string_view s);

const char* to_string(Method m);
// "400 Bad Request" and so on: what follows "HTTP/1.1 " in a status line.
const char* status_line(Status s);

} // namespace streamd::proto::http

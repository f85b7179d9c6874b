#include "http_request.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace streamd::proto::http {

namespace {

constexpr std::pair<std::string_view, Method> kMethods[] = {
    {"GET", Method::Get},         {"HEAD", Method::Head},   {"POST", Method::Post},
    {"PUT", Method::Put},         {"PATCH", Method::Patch}, {"DELETE", Method::Delete},
    {"OPTIONS", Method::Options},
};
// A longer token can be refused before its end arrives.
constexpr size_t kLongestMethod = 7;
constexpr std::string_view kVersionPrefix = "HTTP/";
// "HTTP/" DIGIT "." DIGIT
constexpr size_t kVersionSize = 8;

constexpr bool is_tchar(uint8_t c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

constexpr bool is_digit(uint8_t c) {
    return c >= '0' && c <= '9';
}

constexpr bool is_ows(uint8_t c) {
    return c == ' ' || c == '\t';
}

// VCHAR and obs-text: what a field value may hold besides inner whitespace (RFC 9110 5.5).
constexpr bool is_field_vchar(uint8_t c) {
    return (c >= 0x21 && c <= 0x7E) || c >= 0x80;
}

// Printable ASCII: the characters RFC 3986 allows in a URI and those that browsers leave
// unescaped in a path or query ("|", "^", "{" …). A fragment is never sent to a server.
constexpr bool is_target_char(uint8_t c) {
    return c >= 0x21 && c <= 0x7E && c != '#';
}

// RFC 3986 host (reg-name or IP literal) and port.
bool valid_host(std::string_view host) {
    return std::all_of(host.begin(), host.end(), [](char ch) {
        auto c = static_cast<uint8_t>(ch);
        if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
        return std::string_view("-._~%!$&'()*+,;=:[]").find(ch) != std::string_view::npos;
    });
}

// 1*DIGIT that fits in 64 bits.
std::optional<uint64_t> plain_decimal(std::string_view s) {
    if (s.empty()) return std::nullopt;
    uint64_t v = 0;
    for (char ch : s) {
        auto c = static_cast<uint8_t>(ch);
        if (!is_digit(c)) return std::nullopt;
        uint64_t digit = c - '0';
        if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
        v = v * 10 + digit;
    }
    return v;
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && equal_ignoring_case(s.substr(0, prefix.size()), prefix);
}

// origin-form, absolute-form (which RFC 9112 3.2.2 obliges a server to accept) or, for
// OPTIONS only, asterisk-form; authority-form belongs to CONNECT, which is not implemented.
std::optional<std::string_view> target_form_problem(std::string_view target, Method method) {
    if (target.front() == '/') return std::nullopt;
    if (target == "*")
        return method == Method::Options ? std::nullopt
                                         : std::optional<std::string_view>(
                                               "the target \"*\" is for OPTIONS requests only");
    for (std::string_view scheme : {"http://", "https://"})
        if (starts_with_ignoring_case(target, scheme) && target.size() > scheme.size())
            return std::nullopt;
    return "the request target is neither a path nor an absolute http URI";
}

template <typename F> void for_each_element(std::string_view list, F&& f) {
    size_t start = 0;
    while (start <= list.size()) {
        size_t comma = list.find(',', start);
        size_t end = comma == std::string_view::npos ? list.size() : comma;
        size_t b = start, e = end;
        while (b < e && is_ows(static_cast<uint8_t>(list[b])))
            ++b;
        while (e > b && is_ows(static_cast<uint8_t>(list[e - 1])))
            --e;
        if (e > b && f(list.substr(b, e - b))) return;
        if (comma == std::string_view::npos) return;
        start = comma + 1;
    }
}

std::string_view view(std::span<const uint8_t> bytes, size_t from, size_t to) {
    return {reinterpret_cast<const char*>(bytes.data()) + from, to - from};
}

} // namespace

std::optional<std::string_view> Request::find(std::string_view name) const {
    for (const auto& h : headers)
        if (equal_ignoring_case(h.name, name)) return h.value;
    return std::nullopt;
}

size_t Request::count(std::string_view name) const {
    return static_cast<size_t>(std::count_if(headers.begin(), headers.end(), [&](const Header& h) {
        return equal_ignoring_case(h.name, name);
    }));
}

bool Request::has_token(std::string_view name, std::string_view token) const {
    bool found = false;
    for (const auto& h : headers) {
        if (!equal_ignoring_case(h.name, name)) continue;
        for_each_element(h.value, [&](std::string_view element) {
            found = equal_ignoring_case(element, token);
            return found;
        });
        if (found) return true;
    }
    return false;
}

ParseResult RequestParser::fail(Status status, std::string_view reason) {
    state_ = State::Failed;
    error_ = {status, reason};
    return error_;
}

ParseResult RequestParser::parse(std::span<const uint8_t> received) {
    if (state_ == State::Failed) return error_;
    if (received.size() < pos_)
        throw std::invalid_argument("a request head was given fewer bytes than before");
    if (state_ == State::Done) return request(received);

    const auto bare_cr = [this] { return fail(Status::BadRequest, "CR not followed by LF"); };
    while (pos_ < received.size()) {
        const uint8_t c = received[pos_];
        switch (state_) {
        case State::LineStart:
            if (c == '\r') {
                state_ = State::LeadingCr;
            } else if (c == '\n') {
                // RFC 9112 2.2: empty lines before a request line are ignored, such as the
                // CRLF some clients send after a body.
            } else if (is_tchar(c)) {
                token_start_ = pos_;
                state_ = State::Method;
            } else {
                return fail(Status::BadRequest, "the request line does not start with a method");
            }
            break;
        case State::LeadingCr:
            if (c != '\n') return bare_cr();
            state_ = State::LineStart;
            break;
        case State::Method:
            if (c == ' ') {
                auto name = view(received, token_start_, pos_);
                auto known = std::find_if(std::begin(kMethods), std::end(kMethods),
                                          [&](const auto& m) { return m.first == name; });
                if (known == std::end(kMethods))
                    return fail(Status::NotImplemented, "the method is not implemented");
                method_ = known->second;
                target_ = static_cast<uint16_t>(pos_ + 1);
                state_ = State::Target;
            } else if (!is_tchar(c)) {
                return fail(Status::BadRequest, "the method is not a token followed by one space");
            } else if (pos_ - token_start_ + 1 > kLongestMethod) {
                return fail(Status::NotImplemented, "the method is not implemented");
            }
            break;
        case State::Target:
            if (c == ' ') {
                if (pos_ == target_) return fail(Status::BadRequest, "the request target is empty");
                target_end_ = static_cast<uint16_t>(pos_);
                if (auto problem =
                        target_form_problem(view(received, target_, target_end_), method_))
                    return fail(Status::BadRequest, *problem);
                token_start_ = pos_ + 1;
                state_ = State::Version;
            } else if (!is_target_char(c)) {
                return fail(Status::BadRequest,
                            "the request target holds a byte that a URI cannot");
            } else if (pos_ - target_ + 1 > kMaxTarget) {
                return fail(Status::UriTooLong, "the request target is longer than 4 KiB");
            }
            break;
        case State::Version: {
            const size_t i = pos_ - token_start_;
            if (i < kVersionSize) {
                bool ok = i < kVersionPrefix.size() ? c == static_cast<uint8_t>(kVersionPrefix[i])
                          : i == 6                  ? c == '.'
                                                    : is_digit(c);
                if (!ok) return fail(Status::BadRequest, "the HTTP version is malformed");
                break;
            }
            if (c != '\r' && c != '\n')
                return fail(Status::BadRequest, "the HTTP version is malformed");
            if (received[token_start_ + 5] != '1')
                return fail(Status::VersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are served");
            // RFC 9110 6.2: a higher minor version is served as the highest one implemented.
            version_ = received[token_start_ + 7] == '0' ? Version::Http10 : Version::Http11;
            state_ = c == '\r' ? State::RequestLineCr : State::FieldStart;
            break;
        }
        case State::RequestLineCr:
            if (c != '\n') return bare_cr();
            state_ = State::FieldStart;
            break;
        case State::FieldStart:
            if (c == '\r') {
                state_ = State::EndCr;
            } else if (c == '\n') {
                state_ = State::Done;
            } else if (is_ows(c)) {
                // RFC 9112 5.2 lets a server refuse obs-fold, and 2.2 whitespace before the
                // first field: both have been used to make two parsers see different fields.
                return fail(Status::BadRequest, field_count_ == 0
                                                    ? "whitespace before the first header field"
                                                    : "a header field is folded over two lines");
            } else if (c == ':') {
                return fail(Status::BadRequest, "a header field has an empty name");
            } else if (!is_tchar(c)) {
                return fail(Status::BadRequest, "a header field name holds a byte a token cannot");
            } else if (field_count_ == kMaxHeaders) {
                return fail(Status::HeadersTooLarge, "more than 64 header fields");
            } else {
                fields_[field_count_].name = static_cast<uint16_t>(pos_);
                state_ = State::FieldName;
            }
            break;
        case State::FieldName:
            if (c == ':') {
                auto& f = fields_[field_count_];
                f.colon = static_cast<uint16_t>(pos_);
                f.value = f.value_end = static_cast<uint16_t>(pos_ + 1);
                state_ = State::FieldValue;
            } else if (is_ows(c)) {
                return fail(Status::BadRequest, "whitespace between a header field name and colon");
            } else if (c == '\r' || c == '\n') {
                return fail(Status::BadRequest, "a header field has no colon");
            } else if (!is_tchar(c)) {
                return fail(Status::BadRequest, "a header field name holds a byte a token cannot");
            }
            break;
        case State::FieldValue: {
            auto& f = fields_[field_count_];
            if (is_field_vchar(c)) {
                f.value_end = static_cast<uint16_t>(pos_ + 1);
            } else if (is_ows(c)) {
                if (f.value == f.value_end) f.value = f.value_end = static_cast<uint16_t>(pos_ + 1);
            } else if (c == '\r') {
                state_ = State::FieldCr;
            } else if (c == '\n') {
                ++field_count_;
                state_ = State::FieldStart;
            } else if (c == 0) {
                return fail(Status::BadRequest, "a header field value holds a NUL byte");
            } else {
                return fail(Status::BadRequest, "a header field value holds a control byte");
            }
            break;
        }
        case State::FieldCr:
            if (c != '\n') return bare_cr();
            ++field_count_;
            state_ = State::FieldStart;
            break;
        case State::EndCr:
            if (c != '\n') return bare_cr();
            state_ = State::Done;
            break;
        case State::Done:
        case State::Failed:
            break;
        }
        ++pos_;
        if (state_ == State::Done) return finish(received);
        if (pos_ == kMaxHead)
            return fail(Status::HeadersTooLarge, "the request head exceeds 16 KiB");
    }
    return NeedMore{};
}

ParseResult RequestParser::finish(std::span<const uint8_t> head) {
    size_t hosts = 0;
    bool transfer_encoding = false;
    for (size_t i = 0; i < field_count_; ++i) {
        const auto& f = fields_[i];
        auto name = view(head, f.name, f.colon);
        auto value = view(head, f.value, f.value_end);
        if (equal_ignoring_case(name, "Host")) {
            // RFC 9112 3.2: more than one, or none in HTTP/1.1, is a 400.
            if (++hosts > 1) return fail(Status::BadRequest, "more than one Host field");
            if (!valid_host(value)) return fail(Status::BadRequest, "the Host field is malformed");
        } else if (equal_ignoring_case(name, "Content-Length")) {
            auto length = plain_decimal(value);
            if (!length)
                return fail(Status::BadRequest, "Content-Length is not a plain decimal number");
            if (content_length_ && *content_length_ != *length)
                return fail(Status::BadRequest, "Content-Length fields disagree");
            content_length_ = length;
        } else if (equal_ignoring_case(name, "Transfer-Encoding")) {
            transfer_encoding = true;
        }
    }
    if (hosts == 0 && version_ == Version::Http11)
        return fail(Status::BadRequest, "an HTTP/1.1 request without a Host field");
    if (transfer_encoding) {
        // Two framings are how requests are smuggled past a proxy (RFC 9112 6.3).
        if (content_length_)
            return fail(Status::BadRequest, "both Content-Length and Transfer-Encoding");
        if (version_ == Version::Http10)
            return fail(Status::BadRequest, "Transfer-Encoding in an HTTP/1.0 request");
        // Uploads come over WebSocket: nothing here needs a chunked body.
        return fail(Status::NotImplemented, "Transfer-Encoding is not supported");
    }
    return request(head);
}

Request RequestParser::request(std::span<const uint8_t> head) const {
    Request r;
    r.method = method_;
    r.target = view(head, target_, target_end_);
    r.version = version_;
    r.headers.reserve(field_count_);
    for (size_t i = 0; i < field_count_; ++i) {
        const auto& f = fields_[i];
        r.headers.push_back({view(head, f.name, f.colon), view(head, f.value, f.value_end)});
    }
    r.content_length = content_length_;
    r.head_size = pos_;
    return r;
}

ParseResult parse_request(std::span<const uint8_t> received) {
    return RequestParser{}.parse(received);
}

std::vector<std::string_view> split_list(std::string_view value) {
    std::vector<std::string_view> elements;
    for_each_element(value, [&](std::string_view element) {
        elements.push_back(element);
        return false;
    });
    return elements;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                              [&](char x, char y) { return lower(x) == lower(y); });
}

bool is_token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(),
                                     [](char c) { return is_tchar(static_cast<uint8_t>(c)); });
}

const char* to_string(Method m) {
    for (const auto& [name, method] : kMethods)
        if (method == m) return name.data();
    return "UNKNOWN";
}

const char* status_line(Status s) {
    switch (s) {
    case Status::BadRequest:
        return "400 Bad Request";
    case Status::UriTooLong:
        return "414 URI Too Long";
    case Status::UpgradeRequired:
        return "426 Upgrade Required";
    case Status::HeadersTooLarge:
        return "431 Request Header Fields Too Large";
    case Status::NotImplemented:
        return "501 Not Implemented";
    case Status::VersionNotSupported:
        return "505 HTTP Version Not Supported";
    }
    return "500 Internal Server Error";
}

} // namespace streamd::proto::http

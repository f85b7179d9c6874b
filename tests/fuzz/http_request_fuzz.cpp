// The request-head parser on untrusted bytes. It either asks for more (only while fewer
// than kMaxHead bytes are there), refuses with one of its statuses and a one-line reason, or
// returns a request that keeps every rule of RFC 9112 it enforces, checked here against
// rules written out again. Fed a byte at a time, or cut short anywhere, it never reaches a
// verdict that the whole input would not give. What the handlers do next with a request
// (target, lists, WebSocket upgrade, byte ranges, Host, Content-Disposition) holds up on the
// same bytes.
#include "content_disposition.hpp"
#include "fuzz_check.hpp"
#include "http_host.hpp"
#include "http_range.hpp"
#include "http_request.hpp"
#include "http_target.hpp"
#include "websocket_handshake.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace streamd::proto::http {
namespace {

using Bytes = std::span<const uint8_t>;

bool tchar(char ch) {
    auto c = static_cast<uint8_t>(ch);
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(ch) != std::string_view::npos;
}

bool token(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), tchar);
}

bool ows(char c) {
    return c == ' ' || c == '\t';
}

bool inside(std::string_view part, Bytes whole) {
    auto begin = reinterpret_cast<const char*>(whole.data());
    return part.empty() ||
           (part.data() >= begin && part.data() + part.size() <= begin + whole.size());
}

void check(const RequestError& e) {
    FUZZ_CHECK(e.status == Status::BadRequest || e.status == Status::UriTooLong ||
               e.status == Status::HeadersTooLarge || e.status == Status::NotImplemented ||
               e.status == Status::VersionNotSupported);
    FUZZ_CHECK(!e.reason.empty());
    for (char c : e.reason)
        FUZZ_CHECK(static_cast<uint8_t>(c) >= 0x20 && c != 0x7F);
}

void check(const Request& r, Bytes in) {
    FUZZ_CHECK(r.head_size <= in.size());
    FUZZ_CHECK(r.head_size <= kMaxHead);
    auto head = in.first(r.head_size);
    // The head ends with an empty line.
    FUZZ_CHECK(r.head_size >= 2 && head.back() == '\n');
    FUZZ_CHECK(
        head[r.head_size - 2] == '\n' ||
        (r.head_size >= 3 && head[r.head_size - 2] == '\r' && head[r.head_size - 3] == '\n'));

    FUZZ_CHECK(!r.target.empty() && r.target.size() <= kMaxTarget);
    FUZZ_CHECK(inside(r.target, head));
    for (char c : r.target)
        FUZZ_CHECK(static_cast<uint8_t>(c) > 0x20 && static_cast<uint8_t>(c) < 0x7F && c != '#');
    std::string scheme(r.target.substr(0, 8));
    std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    FUZZ_CHECK(r.target.front() == '/' || (r.target == "*" && r.method == Method::Options) ||
               (scheme.starts_with("http://") && r.target.size() > 7) ||
               (scheme.starts_with("https://") && r.target.size() > 8));

    FUZZ_CHECK(r.headers.size() <= kMaxHeaders);
    for (const auto& h : r.headers) {
        FUZZ_CHECK(token(h.name));
        FUZZ_CHECK(inside(h.name, head) && inside(h.value, head));
        for (char ch : h.value) {
            auto c = static_cast<uint8_t>(ch);
            FUZZ_CHECK(c != '\r' && c != '\n' && c != 0);
            FUZZ_CHECK(c >= 0x20 || c == '\t');
            FUZZ_CHECK(c != 0x7F);
        }
        FUZZ_CHECK(h.value.empty() || (!ows(h.value.front()) && !ows(h.value.back())));
        FUZZ_CHECK(r.find(h.name).has_value());
        FUZZ_CHECK(r.count(h.name) >= 1);
        for (auto element : split_list(h.value)) {
            FUZZ_CHECK(!element.empty() && !ows(element.front()) && !ows(element.back()));
            FUZZ_CHECK(element.find(',') == std::string_view::npos);
            FUZZ_CHECK(r.has_token(h.name, element));
        }
    }

    size_t hosts = r.count("Host");
    FUZZ_CHECK(hosts <= 1);
    if (r.version == Version::Http11) FUZZ_CHECK(hosts == 1);
    FUZZ_CHECK(r.count("Transfer-Encoding") == 0);
    FUZZ_CHECK(r.content_length.has_value() == (r.count("Content-Length") > 0));
    if (r.content_length) {
        for (const auto& h : r.headers) {
            if (!equal_ignoring_case(h.name, "Content-Length")) continue;
            FUZZ_CHECK(!h.value.empty());
            FUZZ_CHECK(std::all_of(h.value.begin(), h.value.end(),
                                   [](char c) { return c >= '0' && c <= '9'; }));
            FUZZ_CHECK(std::stoull(std::string(h.value)) == *r.content_length);
        }
    }
    FUZZ_CHECK(std::string_view(to_string(r.method)) != "UNKNOWN");
}

// What a handler does next with the request.
void check_what_handlers_use(const Request& r) {
    auto parts = split_target(r.target);
    FUZZ_CHECK(!parts.path.empty());
    FUZZ_CHECK(parts.path.front() == '/' || parts.path == "*");
    FUZZ_CHECK(parts.path.find('?') == std::string_view::npos);
    if (auto path = percent_decode(parts.path)) {
        FUZZ_CHECK(path->find('\0') == std::string::npos);
        FUZZ_CHECK(path->size() <= parts.path.size());
    }
    if (auto query = parse_query(parts.query))
        for (const auto& p : *query) {
            FUZZ_CHECK(p.name.find('\0') == std::string::npos);
            FUZZ_CHECK(p.value.find('\0') == std::string::npos);
        }

    // Downloads: a range inside the file, a Host that names nothing but this machine, and a
    // Content-Disposition whose plain name cannot leave its quotes.
    if (auto range = r.find("Range")) {
        for (uint64_t size : {uint64_t{0}, uint64_t{1}, uint64_t{100}, UINT64_MAX}) {
            auto asked = evaluate_range(*range, size);
            if (auto* b = std::get_if<ByteRange>(&asked))
                FUZZ_CHECK(b->first <= b->last && b->last < size);
            if (size == 0) FUZZ_CHECK(!std::holds_alternative<ByteRange>(asked));
        }
    }
    if (auto host = r.find("Host"); host && is_local_authority(*host))
        FUZZ_CHECK(host->find_first_of("/@?#%") == std::string_view::npos);
    if (auto name = percent_decode(parts.path)) {
        std::string disposition = attachment_disposition(*name);
        std::string_view plain(disposition);
        plain.remove_prefix(std::string_view("attachment; filename=\"").size());
        size_t quote = plain.find('"');
        FUZZ_CHECK(quote != std::string_view::npos);
        FUZZ_CHECK(plain.substr(quote).starts_with("\"; filename*=UTF-8''"));
        for (char c : plain.substr(0, quote))
            FUZZ_CHECK(c >= 0x20 && c < 0x7F && c != '\\');
        for (char c : plain.substr(quote + std::string_view("\"; filename*=UTF-8''").size()))
            FUZZ_CHECK(tchar(c) && c != '*' && c != '\'');
    }

    auto upgrade = websocket::check_upgrade(r);
    if (auto* u = std::get_if<websocket::Upgrade>(&upgrade)) {
        FUZZ_CHECK(r.method == Method::Get && r.version == Version::Http11);
        FUZZ_CHECK(r.has_token("Upgrade", "websocket") && r.has_token("Connection", "upgrade"));
        FUZZ_CHECK(r.find("Sec-WebSocket-Version") == "13");
        FUZZ_CHECK(u->key.size() == 24 && u->key.substr(22) == "==");
        for (auto p : u->protocols)
            FUZZ_CHECK(token(p));
        auto accept = websocket::accept_key(u->key);
        FUZZ_CHECK(accept.size() == 28 && accept.back() == '=');
    } else {
        auto& e = std::get<RequestError>(upgrade);
        FUZZ_CHECK(e.status == Status::BadRequest || e.status == Status::UpgradeRequired);
        FUZZ_CHECK(!e.reason.empty());
    }
}

// An independent statement of percent-decoding, for arbitrary components.
void check_percent_decode(std::string_view s) {
    auto hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    bool valid = true;
    size_t escapes = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\0') {
            valid = false;
            break;
        }
        if (s[i] != '%') continue;
        if (s.size() - i < 3) {
            valid = false;
            break;
        }
        if (!hex(s[i + 1]) || !hex(s[i + 2]) || (s[i + 1] == '0' && s[i + 2] == '0')) {
            valid = false;
            break;
        }
        ++escapes;
        i += 2;
    }
    auto decoded = percent_decode(s);
    FUZZ_CHECK(decoded.has_value() == valid);
    if (decoded) FUZZ_CHECK(decoded->size() == s.size() - 2 * escapes);
}

} // namespace
} // namespace streamd::proto::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd::proto::http;
    // A copy of exactly the bytes given, so that ASan sees any read past them.
    std::vector<uint8_t> owned(data, data + size);
    Bytes in(owned);

    const ParseResult whole = parse_request(in);
    if (std::holds_alternative<NeedMore>(whole)) {
        // A buffer of kMaxHead bytes always gets a verdict.
        FUZZ_CHECK(in.size() < kMaxHead);
    } else if (auto* e = std::get_if<RequestError>(&whole)) {
        check(*e);
    } else {
        const auto& r = std::get<Request>(whole);
        check(r, in);
        check_what_handlers_use(r);
        // What follows the head is not part of it.
        FUZZ_CHECK(parse_request(in.first(r.head_size)) == whole);
    }

    // A byte at a time: the first verdict is the verdict of the whole input.
    RequestParser parser;
    ParseResult stepwise = NeedMore{};
    size_t verdict_at = in.size();
    for (size_t n = 0; n <= in.size(); ++n) {
        stepwise = parser.parse(in.first(n));
        if (!std::holds_alternative<NeedMore>(stepwise)) {
            verdict_at = n;
            break;
        }
    }
    FUZZ_CHECK(stepwise == whole);
    FUZZ_CHECK(parser.parse(in) == whole);

    // Parsed afresh, prefixes before that point ask for more and the ones after agree; a
    // sample of them, as each parse starts from the beginning.
    const size_t step = std::max<size_t>(1, in.size() / 64);
    for (size_t n = 0; n <= in.size(); n += step) {
        auto prefix = parse_request(in.first(n));
        if (n < verdict_at)
            FUZZ_CHECK(std::holds_alternative<NeedMore>(prefix));
        else
            FUZZ_CHECK(prefix == whole);
    }
    if (verdict_at <= in.size()) FUZZ_CHECK(parse_request(in.first(verdict_at)) == whole);

    std::string_view text(reinterpret_cast<const char*>(in.data()),
                          std::min(in.size(), size_t{512}));
    check_percent_decode(text);
    if (auto query = parse_query(text))
        for (const auto& p : *query)
            FUZZ_CHECK(p.name.find('\0') == std::string::npos &&
                       p.value.find('\0') == std::string::npos);
    return 0;
}

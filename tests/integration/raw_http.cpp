#include "raw_http.hpp"

#include "loopback_socket.hpp"
#include "wait_until.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>

namespace streamd::it {

namespace {

bool same_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

} // namespace

std::optional<std::string> HttpReply::field(std::string_view name) const {
    size_t line = head.find("\r\n");
    while (line != std::string::npos && line + 2 < head.size()) {
        size_t start = line + 2;
        size_t end = head.find("\r\n", start);
        if (end == std::string::npos || end == start) break;
        std::string_view text(head.data() + start, end - start);
        size_t colon = text.find(':');
        if (colon != std::string_view::npos && same_ignoring_case(text.substr(0, colon), name)) {
            std::string_view value = text.substr(colon + 1);
            while (!value.empty() && value.front() == ' ')
                value.remove_prefix(1);
            return std::string(value);
        }
        line = end;
    }
    return std::nullopt;
}

RawHttp::RawHttp(std::uint16_t port) : fd_(connect_loopback(port)) {}

void RawHttp::send(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) throw std::system_error(errno, std::generic_category(), "send to streamd");
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

bool RawHttp::fill() {
    if (!wait_readable(fd_.get())) throw std::runtime_error("streamd said nothing in time");
    char buffer[65536];
    ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) return false;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "recv from streamd");
    buffered_.append(buffer, static_cast<size_t>(n));
    return true;
}

std::optional<HttpReply> RawHttp::read_response(bool head_request) {
    size_t end;
    while ((end = buffered_.find("\r\n\r\n")) == std::string::npos)
        if (!fill()) return std::nullopt;
    HttpReply reply;
    reply.head = buffered_.substr(0, end + 4);
    buffered_.erase(0, end + 4);
    if (reply.head.size() < 12 || !reply.head.starts_with("HTTP/1.1 ")) return std::nullopt;
    reply.status = std::stoi(reply.head.substr(9, 3));
    size_t length = 0;
    if (auto field = reply.field("Content-Length"); field && !head_request && reply.status != 304)
        length = std::stoul(*field);
    while (buffered_.size() < length)
        if (!fill()) return std::nullopt;
    reply.body = buffered_.substr(0, length);
    buffered_.erase(0, length);
    return reply;
}

std::optional<std::string> RawHttp::read_until_closed() {
    std::string got = std::move(buffered_);
    buffered_.clear();
    char buffer[65536];
    for (;;) {
        if (!wait_readable(fd_.get())) return std::nullopt;
        ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) return got;
        if (n < 0) throw std::system_error(errno, std::generic_category(), "recv from streamd");
        got.append(buffer, static_cast<size_t>(n));
    }
}

} // namespace streamd::it

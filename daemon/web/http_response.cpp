#include "web/http_response.hpp"

#include "http_date.hpp"

#include <ctime>

namespace streamd {

const char* reason_phrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 423:
        return "Locked";
    case 426:
        return "Upgrade Required";
    case 431:
        return "Request Header Fields Too Large";
    case 460:
        return "Checksum Mismatch";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    case 507:
        return "Insufficient Storage";
    }
    return "Unknown";
}

ResponseHead::ResponseHead(int status) : status_(status) {}

ResponseHead& ResponseHead::add(std::string_view name, std::string_view value) {
    fields_.append(name);
    fields_ += ": ";
    fields_.append(value);
    fields_ += "\r\n";
    return *this;
}

std::string ResponseHead::text(std::optional<uint64_t> content_length, bool close) const {
    std::string out = "HTTP/1.1 " + std::to_string(status_) + " " + reason_phrase(status_) + "\r\n";
    out += fields_;
    out += "Date: " + proto::http::http_date(std::time(nullptr)) + "\r\n";
    if (content_length) out += "Content-Length: " + std::to_string(*content_length) + "\r\n";
    if (close) out += "Connection: close\r\n";
    out += "\r\n";
    return out;
}

} // namespace streamd

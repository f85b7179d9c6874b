// The head of an HTTP/1.1 response: status line and header fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace streamd {

// "Not Found" for 404 and so on, for the statuses the daemon sends.
const char* reason_phrase(int status);

class ResponseHead {
public:
    explicit ResponseHead(int status);

    int status() const { return status_; }
    ResponseHead& add(std::string_view name, std::string_view value);
    // Adds Date, Content-Length (unless nullopt, as for a 304) and, when `close`,
    // Connection: close; then the empty line that ends the head.
    std::string text(std::optional<uint64_t> content_length, bool close) const;

private:
    int status_;
    std::string fields_;
};

} // namespace streamd

// HTTP/1.1 spoken by hand over a plain TCP connection, for what curl will not send
// (malformed heads, oversized fields, a head that stops halfway) and for watching a
// keep-alive connection one response at a time.
#pragma once

#include "unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace streamd::it {

struct HttpReply {
    int status = 0;
    std::string head; // status line and fields, up to and including the empty line
    std::string body;

    // The value of the first field called `name` (compared without regard to case).
    std::optional<std::string> field(std::string_view name) const;
};

class RawHttp {
public:
    // Connects to 127.0.0.1:port; throws std::system_error.
    explicit RawHttp(std::uint16_t port);

    void send(std::string_view bytes);
    // One response, its body read by its Content-Length (none after a HEAD request or for a
    // 304); nullopt when the daemon closes before it is complete. Throws when nothing comes
    // within the harness's generous deadline.
    std::optional<HttpReply> read_response(bool head_request = false);
    // Everything until the daemon closes; nullopt if it keeps the connection open past the
    // deadline.
    std::optional<std::string> read_until_closed();

private:
    bool fill(); // false on end of stream
    UniqueFd fd_;
    std::string buffered_;
};

} // namespace streamd::it

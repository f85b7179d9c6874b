// A browser's connection on the daemon's port (docs/HTTP.md): request heads parsed as they
// arrive, one request at a time, answered with the page, the JSON API or a received file,
// which travels from the page cache to the socket through a pipe, as chunks do.
#pragma once

#include "config/secret_key.hpp"
#include "engine/connection.hpp"
#include "engine/file_to_socket.hpp"
#include "http_request.hpp"
#include "port/arrival.hpp"
#include "transfer/transfers.hpp"
#include "web/http_response.hpp"

#include <array>
#include <span>
#include <string>
#include <string_view>

namespace streamd {

class HttpConnection : public Connection {
public:
    // The first request head is timed from the accept.
    HttpConnection(Worker& worker, Transfers& transfers, Arrival arrival);

    void start() override;
    void internal_error(const std::string& what) override;
    uint32_t transfer_id() const override { return 0; }
    void check_time(Clock::time_point now) override;

private:
    enum class Phase { Head, Responding, Ending };

    void read_more();
    void on_recv(int res) override;
    void parse_head();
    void handle(const proto::http::Request& request);
    void serve_asset(std::string_view name);
    // Hands the socket to a WebSession once the 101 is decided.
    void upgrade(const proto::http::Request& request, bool needs_key);
    // Whether the request carries the cookie that proves the key (docs/WEBSOCKET.md).
    static bool has_token(const proto::http::Request& request, const SecretKey& key);
    void serve_file(const proto::http::Request& request, std::string_view encoded_name);

    // A response whose body, if any, goes out with its head. `close` ends the connection
    // after it; a HEAD request gets the head alone.
    void respond(const ResponseHead& head, std::string_view body, bool close = false);
    // A one-line text body saying why.
    void refuse(int status, std::string_view why, bool close);
    void refuse(ResponseHead head, std::string_view why, bool close);
    void on_send(int res) override;
    void response_done();
    void next_request();

    void on_file_read(int res) override;
    void on_socket_write(int res) override;
    void body_step(Step step);

    // After the last response: lingers, so that what the client sent and the daemon did
    // not read cannot turn the close into a reset that destroys the response.
    void end();
    void drop(std::string_view why);

    Transfers& transfers_;
    std::string peer_;
    Admission admission_;
    bool peer_on_loopback_;

    Phase phase_ = Phase::Head;
    std::array<uint8_t, proto::http::kMaxHead> in_{};
    size_t have_ = 0;
    proto::http::RequestParser parser_;
    // Since when the current request head has been coming, or the connection idle.
    Clock::time_point waiting_since_;
    bool first_request_ = true;
    bool head_only_ = false;
    bool close_after_ = false;
    size_t request_size_ = 0; // the head being answered, dropped from in_ once done
    std::string log_line_;

    // A file body: the range to send once the head is out.
    UniqueFd file_;
    uint64_t body_offset_ = 0;
    uint64_t body_length_ = 0;
    bool body_pending_ = false;
    FileToSocket body_{*this};
};

} // namespace streamd

// A browser's connection on the daemon's port (docs/HTTP.md): request heads parsed as they
// arrive, one request at a time, answered with the page, the JSON API or a received file,
// which travels from the page cache to the socket through a pipe, as chunks do.
#pragma once

#include "admission.hpp"
#include "connection.hpp"
#include "http_request.hpp"
#include "http_response.hpp"
#include "splice_pipe.hpp"

#include <array>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace streamd {

class HttpConnection : public Connection {
public:
    // `received`: what the connection brought before it was known to be HTTP;
    // `accepted_at`: when it was accepted, from which its first request head is timed.
    HttpConnection(Worker& worker, UniqueFd fd, std::string peer, Admission admission,
                   bool peer_on_loopback, Clock::time_point accepted_at,
                   std::span<const uint8_t> received);
    ~HttpConnection() override;

    void start() override;
    void internal_error(const std::string& what) override;
    uint32_t transfer_id() const override { return 0; }
    void check_time(Clock::time_point now, const Config::Limits& limits) override;

private:
    enum class Phase { Head, Responding, Lingering };

    void read_more();
    void on_recv(int res) override;
    void parse_head();
    void handle(const proto::http::Request& request);
    void serve_asset(std::string_view name);
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

    void data_in();
    void on_data_in(int res) override;
    void read_done(int res);
    void data_out();
    void on_data_out(int res) override;
    void end_body();

    // Half-closes and reads until the client closes too, so that what it sent and the
    // daemon did not read cannot turn the close into a reset that destroys the response.
    void linger();
    void drop(std::string_view why);

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

    // A file body.
    UniqueFd file_;
    uint64_t file_at_ = 0;   // offset of the next byte to read
    uint64_t file_left_ = 0; // bytes not yet read
    uint64_t buffered_ = 0;  // bytes in the pipe (or copy buffer) not yet sent
    uint64_t buffer_pos_ = 0;
    std::unique_ptr<SplicePipe> pipe_;
    std::unique_ptr<uint8_t[]> copy_buffer_;
    bool linked_out_ = false;
    int in_failure_ = 0;
    bool body_pending_ = false;

    Clock::time_point lingering_since_{};
};

} // namespace streamd

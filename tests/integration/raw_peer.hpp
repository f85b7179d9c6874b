// A peer driven by hand over a plain TCP connection, for what a real streamd never sends:
// silence, broken frames, hostile names.
#pragma once

#include "native_frames.hpp"
#include "unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace streamd::it {

struct RawFrame {
    proto::FrameHeader header;
    std::vector<std::uint8_t> body;
};

class RawPeer {
public:
    // Connects to 127.0.0.1:port; throws std::system_error.
    explicit RawPeer(std::uint16_t port);

    void send(std::span<const std::uint8_t> bytes);
    void send_preamble(std::uint16_t version = proto::kVersion);
    template <typename Frame> void send_frame(const Frame& f) {
        std::vector<std::uint8_t> out;
        proto::encode(f, out);
        send(out);
    }
    // The next frame the daemon sends; nullopt when it closed the connection instead.
    // Throws when nothing comes within the harness's generous deadline.
    std::optional<RawFrame> read_frame();
    // Everything the daemon sends until it closes; nullopt if it keeps the connection
    // open past the deadline.
    std::optional<std::string> read_until_closed();
    // Preamble, then the WELCOME that must answer it; false if something else came.
    bool handshake();
    void close() { fd_.reset(); }

private:
    bool read_exactly(std::uint8_t* out, std::size_t n);
    UniqueFd fd_;
};

// Whether the daemon at `port` answers a new connection's preamble with WELCOME.
bool welcomed(std::uint16_t port);

// The ERROR frame the daemon ended with, if the next frame is one.
std::optional<proto::Error> next_error(RawPeer& peer);

} // namespace streamd::it

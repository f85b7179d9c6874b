#include "raw_peer.hpp"

#include "loopback_socket.hpp"
#include "wait_until.hpp"

#include <cerrno>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>

namespace streamd::it {

RawPeer::RawPeer(std::uint16_t port) : fd_(connect_loopback(port)) {}

void RawPeer::send(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) throw std::system_error(errno, std::generic_category(), "send to streamd");
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
}

void RawPeer::send_preamble(std::uint16_t version) {
    auto preamble = proto::encode_preamble(version);
    send(preamble);
}

bool RawPeer::read_exactly(std::uint8_t* out, std::size_t n) {
    std::size_t have = 0;
    while (have < n) {
        if (!wait_readable(fd_.get())) throw std::runtime_error("streamd said nothing in time");
        ssize_t got = ::recv(fd_.get(), out + have, n - have, 0);
        if (got == 0 || (got < 0 && errno == ECONNRESET)) return false;
        if (got < 0) throw std::system_error(errno, std::generic_category(), "recv from streamd");
        have += static_cast<std::size_t>(got);
    }
    return true;
}

std::optional<RawFrame> RawPeer::read_frame() {
    std::uint8_t header[proto::kHeaderSize];
    if (!read_exactly(header, sizeof header)) return std::nullopt;
    RawFrame f{proto::decode_header(header), {}};
    f.body.resize(f.header.length);
    if (!read_exactly(f.body.data(), f.body.size())) return std::nullopt;
    return f;
}

std::optional<std::string> RawPeer::read_until_closed() {
    std::string got;
    char buffer[4096];
    for (;;) {
        if (!wait_readable(fd_.get())) return std::nullopt;
        ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) return got;
        if (n < 0) throw std::system_error(errno, std::generic_category(), "recv from streamd");
        got.append(buffer, static_cast<std::size_t>(n));
    }
}

bool RawPeer::handshake() {
    send_preamble();
    auto f = read_frame();
    return f && f->header.type == proto::FrameType::Welcome;
}

bool welcomed(std::uint16_t port) {
    RawPeer peer(port);
    return peer.handshake();
}

std::optional<proto::Error> next_error(RawPeer& peer) {
    auto f = peer.read_frame();
    if (!f || f->header.type != proto::FrameType::Error) return std::nullopt;
    return proto::decode_error(f->body);
}

} // namespace streamd::it

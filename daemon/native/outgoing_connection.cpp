#include "native/outgoing_connection.hpp"

#include "auth_proof.hpp"
#include "engine/tls_transport.hpp"
#include "engine/worker.hpp"

#include <cerrno>
#include <cstring>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace streamd {

void OutgoingConnection::connect(size_t address) {
    address_ = address;
    const auto& to = addresses()[address_];
    UniqueFd socket(::socket(to.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!socket)
        return fail(Failure::Connection,
                    std::string("cannot create a socket: ") + std::strerror(errno));
    set_transport(std::make_unique<PlainSocket>(std::move(socket)));
    const int fd = transport().socket();
    // Chunk headers and acknowledgements are small and latency-bound; the data itself
    // goes out in pipe-sized pieces, so Nagle only ever delays.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    io_uring_prep_connect(prepare(Op::Connect), fd, reinterpret_cast<const sockaddr*>(&to.addr),
                          to.length);
}

void OutgoingConnection::on_connect(int res) {
    if (res < 0 && tries_every_address() && address_ + 1 < addresses().size())
        return connect(address_ + 1); // "localhost" may be ::1 first while the peer listens on
                                      // 127.0.0.1
    if (res < 0) return lost("cannot connect to " + peer() + ": " + std::strerror(-res));
    connected(address_);
    const TlsContexts& tls = transfers_.tls();
    if (SslPtr ssl = plain_ ? nullptr : tls.connect()) {
        auto wire = std::make_unique<TlsTransport>(transport().take_socket(), std::move(ssl));
        encrypted_ = wire.get();
        set_transport(std::move(wire));
        return encrypted_->handshake(*this);
    }
    if (tls.mode() == TlsMode::Required)
        return fail(Failure::Authentication,
                    "encryption is required here ([tls] mode = \"required\"), and that takes "
                    "the key the peer holds: set [auth] secret_file");
    start_protocol();
}

void OutgoingConnection::on_handshake(int res) {
    if (res < 0) {
        const std::string& reason = encrypted_->failure();
        const auto& to = addresses()[address_];
        switch (classify_connect_failure(reason)) {
        case ConnectFailure::PeerWithoutKey:
            // A peer without a key takes plain connections from loopback only: there
            // the bytes never leave the machine.
            if (transfers_.tls().mode() == TlsMode::Auto &&
                is_loopback(reinterpret_cast<const sockaddr*>(&to.addr))) {
                plain_ = true;
                encrypted_ = nullptr;
                return connect(address_);
            }
            [[fallthrough]];
        case ConnectFailure::WrongKey:
        case ConnectFailure::NotTls:
            return fail(Failure::Authentication, explain_connect_failure(reason));
        case ConnectFailure::Closed:
        case ConnectFailure::Other:
            // A connection cut in the handshake is worth another try.
            return lost("cannot connect to " + peer() + ": " + explain_connect_failure(reason));
        }
    }
    start_protocol();
}

void OutgoingConnection::start_protocol() {
    protocol_started(transport().encryption());
    send_bytes(proto::encode_preamble());
    read_more();
}

void OutgoingConnection::read_more() {
    receive({in_.data() + in_len_, in_.size() - in_len_});
}

void OutgoingConnection::on_recv(int res) {
    if (res <= 0) return ended(res);
    in_len_ += static_cast<size_t>(res);
    size_t used = 0;
    try {
        while (!closing() && in_len_ - used >= proto::kHeaderSize) {
            auto h = proto::decode_header(std::span<const uint8_t, proto::kHeaderSize>(
                in_.data() + used, proto::kHeaderSize));
            if (in_len_ - used < proto::kHeaderSize + h.length) break;
            used += proto::kHeaderSize;
            const std::span<const uint8_t> body(in_.data() + used, h.length);
            if (!welcomed_ && h.type == proto::FrameType::Welcome)
                on_welcome(body);
            else
                on_peer_frame(h, body);
            used += h.length;
        }
    } catch (const proto::FrameError& e) {
        return fail(Failure::Protocol, std::string("malformed reply from the peer: ") + e.what());
    }
    if (closing()) return;
    std::memmove(in_.data(), in_.data() + used, in_len_ - used);
    in_len_ -= used;
    read_more();
}

void OutgoingConnection::on_send(int res) {
    if (res < 0) return lost("connection to " + peer() + " lost: " + std::strerror(-res));
    sent(res);
}

void OutgoingConnection::on_welcome(std::span<const uint8_t> body) {
    welcomed_ = true;
    auto w = proto::decode_welcome(body);
    if (w.version != proto::kVersion)
        return fail(Failure::Protocol, "the peer speaks protocol version " +
                                           std::to_string(w.version) + ", this daemon speaks " +
                                           std::to_string(proto::kVersion));
    if (w.auth_method == proto::kAuthHmacSha256) {
        auto key = transfers_.settings().secret_key();
        if (!key)
            return fail(Failure::Authentication,
                        peer() +
                            " requires a key: set [auth] secret_file to a copy of its key file");
        // The connection's first frame follows without waiting: the peer's answer to it
        // is the only round trip, so authenticating costs none.
        send_frame(proto::Auth{proto::auth_proof(key->bytes(), w.nonce)});
    } else if (w.auth_method != proto::kAuthNone) {
        return fail(Failure::Authentication, "the peer asks for authentication method " +
                                                 std::to_string(w.auth_method) +
                                                 ", which this daemon does not support");
    }
    welcomed();
}

} // namespace streamd

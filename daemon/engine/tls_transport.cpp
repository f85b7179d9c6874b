#include "engine/tls_transport.hpp"

#include "engine/kernel_tls.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <openssl/err.h>
#include <stdexcept>
#include <sys/socket.h>

namespace streamd {

namespace {
// Plaintext sealed at once: sixteen full records; and room in each direction of the
// BIO pair for them with their headers and tags.
constexpr size_t kPlainWrite = 16 * 16384;
constexpr size_t kPairBuffer = kPlainWrite + 64 * 1024;

bool is_write(Op op) {
    return op == Op::Send || op == Op::SocketWrite;
}

// "TLS_AES_256_GCM_SHA384" as people say it: "AES-256-GCM".
std::string cipher_name(const SSL_CIPHER* cipher) {
    if (!cipher) return "?";
    std::string name = SSL_CIPHER_get_name(cipher);
    if (name == "TLS_AES_256_GCM_SHA384") return "AES-256-GCM";
    if (name == "TLS_AES_128_GCM_SHA256") return "AES-128-GCM";
    if (name == "TLS_CHACHA20_POLY1305_SHA256") return "ChaCha20-Poly1305";
    return name;
}
} // namespace

std::string openssl_reason(const char* otherwise) {
    const unsigned long e = ERR_peek_last_error();
    const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
    ERR_clear_error();
    return reason ? reason : otherwise;
}

TlsTransport::TlsTransport(UniqueFd fd, SslPtr ssl, std::span<const uint8_t> received)
    : Transport(std::move(fd)), ssl_(std::move(ssl)) {
    BIO* inner = nullptr;
    // Each direction holds a whole write's records, so that a write seals at once.
    if (BIO_new_bio_pair(&inner, kPairBuffer, &network_, kPairBuffer) != 1) throw std::bad_alloc();
    SSL_set_bio(ssl_.get(), inner, inner);
    SSL_set_app_data(ssl_.get(), this);
    if (!received.empty()) BIO_write(network_, received.data(), static_cast<int>(received.size()));
}

TlsTransport::~TlsTransport() {
    OPENSSL_cleanse(sending_secret_.data(), sending_secret_.size());
    BIO_free(network_);
}

void TlsTransport::keep_sending_secret(const SSL* ssl, const char* line) {
    // "CLIENT_TRAFFIC_SECRET_0 <client random> <secret>", in hex, among the others.
    const std::string_view label =
        SSL_is_server(ssl) ? "SERVER_TRAFFIC_SECRET_0 " : "CLIENT_TRAFFIC_SECRET_0 ";
    const std::string_view text(line);
    if (!text.starts_with(label)) return;
    auto* self = static_cast<TlsTransport*>(SSL_get_app_data(ssl));
    const std::string_view hex = text.substr(text.rfind(' ') + 1);
    const auto nibble = [](char ch) { return ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10; };
    self->sending_secret_.clear();
    self->sending_secret_.reserve(hex.size() / 2); // one buffer, wiped once it is used
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        self->sending_secret_.push_back(
            static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
}

int TlsTransport::fail(int err) {
    if (failure_.empty()) failure_ = openssl_reason("unexpected end of the stream");
    ERR_clear_error();
    return err;
}

void TlsTransport::finish_soon(Connection& c, Op op, Pending& p, int result) {
    p.stage = Stage::Ready;
    p.result = result;
    io_uring_prep_nop(prepare(c, op));
}

// ---- handshake ----------------------------------------------------------------------

void TlsTransport::handshake(Connection& c) {
    if (auto done = handshake_step(c)) finish_soon(c, Op::Handshake, handshake_, *done);
}

std::optional<int> TlsTransport::handshake_step(Connection& c) {
    if (!handshake_result_) {
        const int r = SSL_do_handshake(ssl_.get());
        if (r == 1)
            handshake_result_ = 0;
        else if (SSL_get_error(ssl_.get(), r) != SSL_ERROR_WANT_READ)
            handshake_result_ = fail(-EPROTO);
    }
    // What the handshake says (an alert, too) goes out before anything else happens.
    handshake_.stage = Stage::Wire;
    out_flags_ = MSG_NOSIGNAL;
    if (BIO_ctrl_pending(network_) > 0) {
        send_sealed(c, Op::Handshake);
        return std::nullopt;
    }
    if (handshake_result_) {
        handshake_.stage = Stage::Idle;
        // Nothing of the application's has been sealed yet: the kernel starts at record 0.
        if (*handshake_result_ == 0 && !sending_secret_.empty()) {
            kernel_refusal_ = send_through_kernel(fd_.get(), ssl_.get(), sending_secret_);
            kernel_send_ = kernel_refusal_.empty();
        }
        OPENSSL_cleanse(sending_secret_.data(), sending_secret_.size());
        sending_secret_.clear();
        return handshake_result_;
    }
    receive_sealed(c, Op::Handshake);
    return std::nullopt;
}

// ---- reading ------------------------------------------------------------------------

void TlsTransport::recv(Connection& c, Op op, std::span<uint8_t> into, int) {
    if (in_.stage != Stage::Idle) throw std::logic_error("a second read on a TLS connection");
    in_op_ = op;
    into_ = into;
    if (auto done = decrypt()) return finish_soon(c, op, in_, *done);
    in_.stage = Stage::Wire;
    receive_sealed(c, op);
}

void TlsTransport::receive_sealed(Connection& c, Op op) {
    char* room = nullptr;
    const int n = BIO_nwrite0(network_, &room);
    // Never full while a read waits: OpenSSL takes every whole record it is given.
    io_uring_prep_recv(prepare(c, op), fd_.get(), room, n > 0 ? static_cast<size_t>(n) : 0, 0);
}

std::optional<int> TlsTransport::decrypt() {
    size_t got = 0;
    while (got < into_.size()) {
        size_t n = 0;
        if (SSL_read_ex(ssl_.get(), into_.data() + got, into_.size() - got, &n) == 1) {
            got += n;
            continue;
        }
        const int err = SSL_get_error(ssl_.get(), 0);
        if (got > 0) break; // the data first; what stopped it is met again next time
        if (err == SSL_ERROR_WANT_READ) return std::nullopt;
        if (err == SSL_ERROR_ZERO_RETURN) return 0; // close_notify
        return fail(-EBADMSG);
    }
    return static_cast<int>(got);
}

std::optional<int> TlsTransport::read_step(Connection& c) {
    if (auto done = decrypt()) {
        in_.stage = Stage::Idle;
        return done;
    }
    receive_sealed(c, in_op_);
    return std::nullopt;
}

// ---- writing ------------------------------------------------------------------------

void TlsTransport::send(Connection& c, Op op, std::span<const uint8_t> bytes, int flags) {
    if (kernel_send_)
        return io_uring_prep_send(prepare(c, op), fd_.get(), bytes.data(), bytes.size(), flags);
    if (out_.stage != Stage::Idle) throw std::logic_error("a second write on a TLS connection");
    plain_taken_ = std::min(bytes.size(), kPlainWrite);
    size_t n = 0;
    if (SSL_write_ex(ssl_.get(), bytes.data(), plain_taken_, &n) != 1)
        return finish_soon(c, op, out_, fail(-EPIPE));
    out_.stage = Stage::Wire;
    out_flags_ = MSG_NOSIGNAL | (flags & MSG_MORE);
    send_sealed(c, op);
}

void TlsTransport::send_sealed(Connection& c, Op op) {
    char* sealed = nullptr;
    const int n = BIO_nread0(network_, &sealed);
    sending_ = true;
    io_uring_prep_send(prepare(c, op), fd_.get(), sealed, n > 0 ? static_cast<size_t>(n) : 0,
                       out_flags_);
}

// ---- completions --------------------------------------------------------------------

std::optional<int> TlsTransport::completed(Connection& c, Op op, int res) {
    Pending& p = op == Op::Handshake ? handshake_ : is_write(op) ? out_ : in_;
    if (p.stage == Stage::Ready) {
        p.stage = Stage::Idle;
        return p.result;
    }
    if (kernel_send_ && is_write(op)) return res;
    if (op == Op::Handshake ? sending_ : is_write(op)) {
        sending_ = false;
        if (res <= 0) {
            p.stage = Stage::Idle;
            if (op == Op::Handshake && failure_.empty())
                failure_ = "the connection broke during the handshake";
            return res < 0 ? res : -EPIPE;
        }
        char* sent = nullptr;
        BIO_nread(network_, &sent, res);
        // The rest, and whatever was sealed meanwhile, goes before the write completes.
        if (BIO_ctrl_pending(network_) > 0) {
            send_sealed(c, op);
            return std::nullopt;
        }
        if (op == Op::Handshake) return handshake_step(c);
        p.stage = Stage::Idle;
        return static_cast<int>(plain_taken_);
    }
    if (res <= 0) {
        p.stage = Stage::Idle;
        if (op == Op::Handshake) {
            if (failure_.empty())
                failure_ = res == 0 ? "the peer closed the connection during the handshake"
                                    : "the connection broke during the handshake";
            return res < 0 ? res : -ECONNRESET;
        }
        return res;
    }
    char* room = nullptr;
    BIO_nwrite(network_, &room, res);
    return op == Op::Handshake ? handshake_step(c) : read_step(c);
}

// ---- the rest -----------------------------------------------------------------------

void TlsTransport::shutdown(int how) {
    // close_notify tells the peer the stream ended here, not on the way. Sent only
    // while no write is on the wire (its records would be cut; the kernel keeps its own
    // records whole), and only as far as the socket takes it at once: a few dozen bytes.
    if (how != SHUT_RD && kernel_send_) {
        send_close_notify_through_kernel(fd_.get());
    } else if (how != SHUT_RD && SSL_is_init_finished(ssl_.get()) && !sending_ &&
               SSL_shutdown(ssl_.get()) >= 0) {
        char* notify = nullptr;
        const int n = BIO_nread0(network_, &notify);
        if (n > 0)
            (void)::send(fd_.get(), notify, static_cast<size_t>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
    }
    ERR_clear_error();
    Transport::shutdown(how);
}

std::string TlsTransport::encryption() const {
    if (!SSL_is_init_finished(ssl_.get())) return "none";
    std::string version = SSL_get_version(ssl_.get()); // "TLSv1.3"
    if (version.starts_with("TLSv")) version.erase(3, 1);
    return version + " " + cipher_name(SSL_get_current_cipher(ssl_.get())) +
           (kernel_send_ ? ", kernel send" : ", user space");
}

} // namespace streamd

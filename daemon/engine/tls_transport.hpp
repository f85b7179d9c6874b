// TLS between the ring and a connection: the ring moves ciphertext between the socket
// and the network end of a BIO pair, straight into and out of its buffers, and OpenSSL
// encrypts and decrypts at the other end, so that it never touches the socket and never
// blocks. Where the kernel has TLS and the context keeps the traffic secrets
// (keep_sending_secret), the sending side is the kernel's once the handshake is done:
// writes and splices go to the socket as they are. Otherwise no descriptor is left for
// splice: the data paths copy through buffers, and every byte is encrypted once.
#pragma once

#include "engine/transport.hpp"

#include <memory>
#include <openssl/ssl.h>
#include <string>
#include <vector>

namespace streamd {

// OpenSSL's reason for the last error on this thread, or `otherwise` when it gave none;
// the thread's error queue is left empty.
std::string openssl_reason(const char* otherwise = "unknown error");

struct SslFree {
    void operator()(SSL* ssl) const { SSL_free(ssl); }
};
using SslPtr = std::unique_ptr<SSL, SslFree>;

class TlsTransport final : public Transport {
public:
    // `ssl` is set up to accept or to connect; `received` is what was read from `fd`
    // already (the port reads a connection's first bytes before it knows they are TLS).
    TlsTransport(UniqueFd fd, SslPtr ssl, std::span<const uint8_t> received = {});

    // Runs the handshake; completes on `c` as Op::Handshake with 0, or with -errno
    // once failure() says why.
    void handshake(Connection& c);
    void recv(Connection& c, Op op, std::span<uint8_t> into, int flags) override;
    void send(Connection& c, Op op, std::span<const uint8_t> bytes, int flags) override;
    std::optional<int> completed(Connection& c, Op op, int res) override;
    int splice_out_fd() const override { return kernel_send_ ? fd_.get() : -1; }
    int splice_in_fd() const override { return -1; }
    ~TlsTransport() override;
    // Says close_notify first, when the wire is free for it.
    void shutdown(int how) override;
    std::string encryption() const override;

    SSL* ssl() const { return ssl_.get(); }
    // For SSL_CTX_set_keylog_callback: keeps the secret that the sending side of a
    // connection on that context starts its application data with, for the kernel.
    static void keep_sending_secret(const SSL* ssl, const char* line);
    // Why the kernel did not take the sending side, where it was offered it.
    const std::string& kernel_refusal() const { return kernel_refusal_; }
    // Why the handshake or the stream failed: OpenSSL's reason, for example "tlsv1
    // alert decrypt error".
    const std::string& failure() const { return failure_; }

private:
    // The stage of the one operation in each direction.
    enum class Stage { Idle, Wire, Ready };
    struct Pending {
        Stage stage = Stage::Idle;
        int result = 0; // Stage::Ready: what completes
    };

    std::optional<int> handshake_step(Connection& c);
    std::optional<int> read_step(Connection& c);
    // Decrypts what is buffered into what the read asked for: bytes, 0 at the end,
    // -errno on failure, or nothing while a whole record has not come yet.
    std::optional<int> decrypt();
    // Receives ciphertext into the pair's free room, as `op`.
    void receive_sealed(Connection& c, Op op);
    // Sends what OpenSSL sealed, as much of it as lies in one piece, as `op`.
    void send_sealed(Connection& c, Op op);
    // Completes `op` without touching the wire.
    void finish_soon(Connection& c, Op op, Pending& p, int result);
    int fail(int err);

    SslPtr ssl_;
    BIO* network_ = nullptr; // the pair's end the ring reads and writes; ssl_ holds the other
    std::string failure_;

    Pending in_;
    Op in_op_ = Op::Recv;
    std::span<uint8_t> into_;

    Pending out_;
    size_t plain_taken_ = 0;
    int out_flags_ = 0;
    bool sending_ = false; // a send from the pair's buffer is on the wire

    Pending handshake_;
    std::optional<int> handshake_result_;

    std::vector<uint8_t> sending_secret_; // until the handshake is done
    bool kernel_send_ = false;
    std::string kernel_refusal_;
};

} // namespace streamd

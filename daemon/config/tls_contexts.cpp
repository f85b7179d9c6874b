#include "config/tls_contexts.hpp"

#include "config/self_signed.hpp"
#include "engine/kernel_tls.hpp"

#include <array>
#include <openssl/hmac.h>
#include <openssl/x509.h>
#include <string_view>

namespace streamd {

namespace {

// Every daemon names the key the same way: which key is a matter of the configuration,
// and the name itself proves nothing.
constexpr std::string_view kPskIdentity = "streamd";
// TLS_AES_256_GCM_SHA384: the PSK's hash is SHA-384, so it is 48 bytes.
constexpr std::array<uint8_t, 2> kPskCipher = {0x13, 0x02};
constexpr size_t kPskBytes = 48;
// ALPN, as the wire spells it: each name after its length.
constexpr std::string_view kAlpnOffer = "\x09streamd/1\x08http/1.1";
constexpr std::string_view kAlpnNativeOnly = "\x09streamd/1";

const LiveSettings& settings_of(SSL* ssl) {
    return *static_cast<const LiveSettings*>(SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)));
}

// The session that holds the PSK derived from the key in force, or null without a key.
// Derived rather than the key itself: the key file may hold any length, and the key
// also signs AUTH; HMAC keeps the two uses apart.
SSL_SESSION* psk_session(SSL* ssl) {
    auto key = settings_of(ssl).secret_key();
    if (!key) return nullptr;
    std::array<uint8_t, kPskBytes> psk{};
    unsigned int len = 0;
    static constexpr std::string_view kLabel = "streamd TLS 1.3 external PSK";
    if (!HMAC(EVP_sha384(), key->bytes().data(), static_cast<int>(key->bytes().size()),
              reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(), psk.data(),
              &len))
        return nullptr;
    const SSL_CIPHER* cipher = SSL_CIPHER_find(ssl, kPskCipher.data());
    SSL_SESSION* session = SSL_SESSION_new();
    if (!cipher || !session || SSL_SESSION_set1_master_key(session, psk.data(), len) != 1 ||
        SSL_SESSION_set_cipher(session, cipher) != 1 ||
        SSL_SESSION_set_protocol_version(session, TLS1_3_VERSION) != 1) {
        SSL_SESSION_free(session);
        session = nullptr;
    }
    OPENSSL_cleanse(psk.data(), psk.size());
    return session;
}

int find_psk(SSL* ssl, const unsigned char* identity, size_t length, SSL_SESSION** session) {
    *session = nullptr;
    // Another identity, or none known here: the handshake goes on with the certificate,
    // and a daemon that asked for the key refuses that.
    if (std::string_view(reinterpret_cast<const char*>(identity), length) == kPskIdentity)
        *session = psk_session(ssl);
    return 1;
}

int use_psk(SSL* ssl, const EVP_MD* md, const unsigned char** identity, size_t* length,
            SSL_SESSION** session) {
    *session = psk_session(ssl);
    // After a HelloRetryRequest the suite is fixed; a PSK for another hash cannot serve.
    if (*session && md &&
        md != SSL_CIPHER_get_handshake_digest(SSL_SESSION_get0_cipher(*session))) {
        SSL_SESSION_free(*session);
        *session = nullptr;
    }
    *identity = reinterpret_cast<const unsigned char*>(kPskIdentity.data());
    *length = kPskIdentity.size();
    return 1;
}

int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void*) {
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, out_length,
                              reinterpret_cast<const unsigned char*>(kAlpnOffer.data()),
                              kAlpnOffer.size(), offered, offered_length) != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; // h2 alone, say: the first bytes then decide
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

SslCtxPtr new_context(const SSL_METHOD* method) {
    SslCtxPtr ctx(SSL_CTX_new(method));
    if (!ctx) throw ConfigError("cannot set up TLS: " + openssl_reason());
    SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    return ctx;
}

std::string sha256_fingerprint(X509* cert) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int n = 0;
    if (!cert || X509_digest(cert, EVP_sha256(), md.data(), &n) != 1) return "";
    std::string out;
    for (unsigned int i = 0; i < n; ++i) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        if (i) out += ':';
        out += kHex[md[i] >> 4];
        out += kHex[md[i] & 0xF];
    }
    return out;
}

} // namespace

TlsContexts::TlsContexts(const Config& config, const LiveSettings& settings)
    : mode_(config.tls.mode), settings_(settings) {
    if (mode_ == TlsMode::Off) return;
    const auto& tls = config.tls;
    if (tls.certificate.has_value() != tls.private_key.has_value())
        throw ConfigError(std::string("[tls] ") + (tls.certificate
                                                       ? "certificate is set without private_key"
                                                       : "private_key is set without certificate"));
    std::filesystem::path key_path;
    if (tls.certificate) {
        certificate_ = *tls.certificate;
        key_path = *tls.private_key;
    } else {
        self_signed_ = true;
        certificate_ = config.storage.state / "tls" / "certificate.pem";
        key_path = config.storage.state / "tls" / "private_key.pem";
        if (!std::filesystem::exists(key_path) || self_signed_due(certificate_)) {
            renewed_ = std::filesystem::exists(certificate_);
            create_self_signed(certificate_, key_path);
        }
    }

    server_ = new_context(TLS_server_method());
    SSL_CTX* s = server_.get();
    SSL_CTX_set_app_data(s, const_cast<LiveSettings*>(&settings_));
    SSL_CTX_set_min_proto_version(s, TLS1_2_VERSION);
    // AEAD suites with forward secrecy only, the strongest first.
    SSL_CTX_set_cipher_list(s, "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL");
    SSL_CTX_set_ciphersuites(
        s, "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256");
    SSL_CTX_set_options(s, SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_num_tickets(s, 0);
    SSL_CTX_set_psk_find_session_callback(s, find_psk);
    SSL_CTX_set_alpn_select_cb(s, select_alpn, nullptr);
    if (SSL_CTX_use_certificate_chain_file(s, certificate_.c_str()) != 1)
        throw ConfigError(certificate_.string() +
                          ": cannot use the certificate: " + openssl_reason());
    if (SSL_CTX_use_PrivateKey_file(s, key_path.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(s) != 1) {
        const std::string reason = openssl_reason();
        if (reason == "key values mismatch")
            throw ConfigError(key_path.string() +
                              ": the private key does not match the "
                              "certificate " +
                              certificate_.string());
        throw ConfigError(key_path.string() + ": cannot use the private key: " + reason);
    }
    fingerprint_ = sha256_fingerprint(SSL_CTX_get0_certificate(s));

    client_ = new_context(TLS_client_method());
    SSL_CTX* c = client_.get();
    SSL_CTX_set_app_data(c, const_cast<LiveSettings*>(&settings_));
    SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
    SSL_CTX_set_ciphersuites(c, "TLS_AES_256_GCM_SHA384");
    SSL_CTX_set_psk_use_session_callback(c, use_psk);
    // The key is the only proof a peer may give: a certificate, whoever signed it, is
    // refused, so a peer without the key fails the handshake rather than passes it.
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 0; });
    SSL_CTX_set_alpn_protos(c, reinterpret_cast<const unsigned char*>(kAlpnNativeOnly.data()),
                            kAlpnNativeOnly.size());
    // Files go out from the sending daemon: where the kernel seals its records, they are
    // spliced from the page cache as over plain TCP.
    kernel_tls_ = probe_kernel_tls();
    if (kernel_tls_ == "available")
        SSL_CTX_set_keylog_callback(c, TlsTransport::keep_sending_secret);
}

SslPtr TlsContexts::accept() const {
    if (!server_) return nullptr;
    SslPtr ssl(SSL_new(server_.get()));
    if (ssl) SSL_set_accept_state(ssl.get());
    return ssl;
}

SslPtr TlsContexts::connect() const {
    if (!client_ || !settings_.secret_key()) return nullptr;
    SslPtr ssl(SSL_new(client_.get()));
    if (ssl) SSL_set_connect_state(ssl.get());
    return ssl;
}

const char* to_string(TlsMode mode) {
    switch (mode) {
    case TlsMode::Auto:
        return "auto";
    case TlsMode::Required:
        return "required";
    case TlsMode::Off:
        return "off";
    }
    return "?";
}

ConnectFailure classify_connect_failure(const std::string& reason) {
    // OpenSSL 3.0 answers a PSK binder that does not verify with illegal_parameter,
    // RFC 8446 with decrypt_error.
    if (reason == "sslv3 alert illegal parameter" || reason == "tlsv1 alert decrypt error")
        return ConnectFailure::WrongKey;
    if (reason == "certificate verify failed") return ConnectFailure::PeerWithoutKey;
    if (reason == "wrong version number" || reason == "packet length too long")
        return ConnectFailure::NotTls;
    if (reason.starts_with("the peer closed")) return ConnectFailure::Closed;
    return ConnectFailure::Other;
}

std::string explain_connect_failure(const std::string& reason) {
    switch (classify_connect_failure(reason)) {
    case ConnectFailure::WrongKey:
        return "authentication failed: the peer holds another key (the TLS handshake's "
               "proof of it did not verify)";
    case ConnectFailure::PeerWithoutKey:
        return "the peer has no key: it answered with a certificate; give it a copy of this "
               "daemon's key file";
    case ConnectFailure::NotTls:
        return "the peer does not speak TLS on that port";
    case ConnectFailure::Closed:
        return "the peer closed the connection during the TLS handshake (is its [tls] mode "
               "\"off\"?)";
    case ConnectFailure::Other:
        break;
    }
    return "TLS handshake failed: " + reason;
}

bool wrong_key_offered(const std::string& reason) {
    return reason == "binder does not verify";
}

} // namespace streamd

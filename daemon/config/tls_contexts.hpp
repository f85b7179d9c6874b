// The TLS settings every encrypted connection starts from ([tls], docs/SECURITY.md).
// Between daemons the shared key is a TLS 1.3 external PSK, always with (EC)DHE, so no
// certificate is involved and every connection has forward secrecy; browsers get the
// certificate. ALPN names what runs inside: "streamd/1" or "http/1.1".
#pragma once

#include "config/config.hpp"
#include "config/live_settings.hpp"
#include "engine/tls_transport.hpp"

#include <filesystem>
#include <memory>
#include <string>

namespace streamd {

inline constexpr std::string_view kAlpnNative = "streamd/1";
inline constexpr std::string_view kAlpnHttp = "http/1.1";

struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

class TlsContexts {
public:
    // Loads [tls] certificate and private_key, or the self-signed pair in the state
    // folder (created when missing); the key is read from `settings` at every handshake,
    // so a reload takes effect on the next connection. Throws ConfigError.
    TlsContexts(const Config& config, const LiveSettings& settings);

    TlsMode mode() const { return mode_; }
    // For a connection whose first byte started a TLS record; null when mode is off.
    SslPtr accept() const;
    // For a connection to a peer, proving the key in force; null without a key.
    SslPtr connect() const;
    // The certificate browsers are shown, and its SHA-256 fingerprint ("AB:CD:…").
    const std::filesystem::path& certificate() const { return certificate_; }
    const std::string& fingerprint() const { return fingerprint_; }
    bool self_signed() const { return self_signed_; }
    // The self-signed certificate was replaced at this start: it was about to expire.
    bool renewed() const { return renewed_; }
    // "available" where connections to peers send through the kernel's TLS, or why not.
    const std::string& kernel_tls() const { return kernel_tls_; }

private:
    TlsMode mode_;
    const LiveSettings& settings_;
    SslCtxPtr server_;
    SslCtxPtr client_;
    std::filesystem::path certificate_;
    std::string fingerprint_;
    bool self_signed_ = false;
    bool renewed_ = false;
    std::string kernel_tls_;
};

// "auto", "required" or "off", as [tls] mode says it.
const char* to_string(TlsMode mode);

// What a failed handshake means to the daemon that connected, from OpenSSL's reason.
enum class ConnectFailure { WrongKey, PeerWithoutKey, NotTls, Closed, Other };
ConnectFailure classify_connect_failure(const std::string& reason);
// The same, in one line for people.
std::string explain_connect_failure(const std::string& reason);
// Whether the daemon that accepted failed the handshake for a wrong key.
bool wrong_key_offered(const std::string& reason);

} // namespace streamd

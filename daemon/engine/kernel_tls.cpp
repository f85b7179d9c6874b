#include "engine/kernel_tls.hpp"

#include "unique_fd.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <sys/socket.h>
#include <vector>

namespace streamd {

namespace {

constexpr char kUlp[] = "tls";
constexpr uint8_t kAlertRecord = 21;

// HKDF-Expand-Label(secret, label, "", length) of RFC 8446 section 7.1.
bool expand_label(const char* digest, std::span<const uint8_t> secret, std::string_view label,
                  std::span<uint8_t> out) {
    const std::string full = std::string("tls13 ") + std::string(label);
    std::vector<uint8_t> info{static_cast<uint8_t>(out.size() >> 8),
                              static_cast<uint8_t>(out.size()), static_cast<uint8_t>(full.size())};
    info.insert(info.end(), full.begin(), full.end());
    info.push_back(0); // no context
    EVP_KDF* kdf = EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr);
    EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    const std::array params{
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest), 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()),
                                          secret.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end()};
    const bool ok = ctx && EVP_KDF_derive(ctx, out.data(), out.size(), params.data()) == 1;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok;
}

// The kernel's description of a GCM cipher state: key, then the IV cut into the salt
// (its first 4 bytes) and the rest; TLS 1.3 makes each record's nonce from these and the
// record sequence.
template <typename Info>
Info gcm_state(uint16_t cipher_type, std::span<const uint8_t> key, std::span<const uint8_t> iv) {
    Info info{};
    info.info.version = TLS_1_3_VERSION;
    info.info.cipher_type = cipher_type;
    std::memcpy(info.key, key.data(), sizeof info.key);
    std::memcpy(info.salt, iv.data(), sizeof info.salt);
    std::memcpy(info.iv, iv.data() + sizeof info.salt, sizeof info.iv);
    return info; // rec_seq 0
}

template <typename Info> std::string install(int fd, const Info& info) {
    if (::setsockopt(fd, SOL_TCP, TCP_ULP, kUlp, sizeof kUlp) != 0)
        return std::string("TCP_ULP \"tls\": ") + std::strerror(errno);
    // Once "tls" is on, a socket without TLS_TX still sends as plain TCP.
    if (::setsockopt(fd, SOL_TLS, TLS_TX, &info, sizeof info) != 0)
        return std::string("TLS_TX: ") + std::strerror(errno);
    return "";
}

} // namespace

std::string probe_kernel_tls() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) return std::string("no socket: ") + std::strerror(errno);
    // The kernel looks the protocol up before it asks for a connection: on a socket not
    // yet connected, ENOTCONN means it knows "tls", ENOENT that it does not.
    if (::setsockopt(fd.get(), SOL_TCP, TCP_ULP, kUlp, sizeof kUlp) == 0 || errno == ENOTCONN)
        return "available";
    return std::string("TCP_ULP \"tls\": ") + std::strerror(errno);
}

std::string send_through_kernel(int fd, const SSL* ssl, std::span<const uint8_t> secret) {
    if (SSL_version(ssl) != TLS1_3_VERSION) return "not TLS 1.3";
    const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
    const uint32_t id = cipher ? SSL_CIPHER_get_protocol_id(cipher) : 0;
    std::array<uint8_t, 32> key{};
    std::array<uint8_t, 12> iv{};
    std::string why;
    if (id == 0x1302) { // TLS_AES_256_GCM_SHA384
        if (expand_label("SHA384", secret, "key", key) && expand_label("SHA384", secret, "iv", iv))
            why = install(
                fd, gcm_state<tls12_crypto_info_aes_gcm_256>(TLS_CIPHER_AES_GCM_256, key, iv));
        else
            why = "cannot derive the keys";
    } else if (id == 0x1301) { // TLS_AES_128_GCM_SHA256
        const std::span<uint8_t> key128(key.data(), 16);
        if (expand_label("SHA256", secret, "key", key128) &&
            expand_label("SHA256", secret, "iv", iv))
            why = install(
                fd, gcm_state<tls12_crypto_info_aes_gcm_128>(TLS_CIPHER_AES_GCM_128, key128, iv));
        else
            why = "cannot derive the keys";
    } else {
        why = std::string("the kernel is not given ") +
              (cipher ? SSL_CIPHER_get_name(cipher) : "this cipher");
    }
    OPENSSL_cleanse(key.data(), key.size());
    OPENSSL_cleanse(iv.data(), iv.size());
    return why;
}

void send_close_notify_through_kernel(int fd) {
    std::array<uint8_t, 2> alert{1, 0}; // warning, close_notify
    iovec iov{alert.data(), alert.size()};
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof kAlertRecord)> control{};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_TLS;
    cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
    cmsg->cmsg_len = CMSG_LEN(sizeof kAlertRecord);
    std::memcpy(CMSG_DATA(cmsg), &kAlertRecord, sizeof kAlertRecord);
    (void)::sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
}

} // namespace streamd

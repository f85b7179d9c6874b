#include "config/self_signed.hpp"

#include "config/config.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <memory>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <string>
#include <unistd.h>

namespace streamd {

namespace {

template <auto Free> struct Freer {
    template <typename T> void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Freer<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Freer<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Freer<X509_EXTENSION_free>>;

constexpr long kDay = 24L * 3600;
constexpr long kValidDays = 397;
constexpr long kRenewDays = 30;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& why) {
    throw ConfigError(path.string() + ": cannot create the self-signed certificate: " + why);
}

std::string host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
    return name;
}

void add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
    if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) throw std::bad_alloc();
}

// Writes `pem` to a temporary file beside `path`, then renames it into place.
template <typename Write>
void write_pem(const std::filesystem::path& path, mode_t mode, Write write) {
    const auto temp = path.string() + ".new";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) fail(path, std::strerror(errno));
    BioPtr bio(BIO_new_fd(fd, BIO_CLOSE));
    if (!bio || !write(bio.get()) || BIO_flush(bio.get()) != 1 || ::fsync(fd) != 0) {
        ::unlink(temp.c_str());
        fail(path, "cannot write it");
    }
    bio.reset();
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        fail(path, std::strerror(errno));
    }
}

} // namespace

void create_self_signed(const std::filesystem::path& certificate,
                        const std::filesystem::path& key) {
    std::error_code ec;
    std::filesystem::create_directories(certificate.parent_path(), ec);
    if (ec) fail(certificate, ec.message());
    PkeyPtr pkey(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    if (!pkey || !cert) fail(certificate, "out of memory");
    const std::string name = host_name();
    uint8_t serial[16];
    if (RAND_bytes(serial, sizeof serial) != 1) fail(certificate, "no random bytes");
    serial[0] &= 0x7F; // a positive number
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    ASN1_INTEGER* sn = X509_get_serialNumber(cert.get());
    const bool numbered = bn && BN_to_ASN1_INTEGER(bn, sn);
    BN_free(bn);
    X509_NAME* subject = X509_get_subject_name(cert.get());
    if (!numbered || X509_set_version(cert.get(), 2) != 1 ||
        !X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValidDays * kDay) ||
        X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1,
                                   0) != 1 ||
        X509_set_issuer_name(cert.get(), subject) != 1 ||
        X509_set_pubkey(cert.get(), pkey.get()) != 1)
        fail(certificate, "cannot fill it in");
    add_extension(cert.get(), NID_subject_alt_name,
                  "DNS:" + name + ",DNS:localhost,IP:127.0.0.1,IP:::1");
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature");
    add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
    if (X509_sign(cert.get(), pkey.get(), EVP_sha256()) == 0) fail(certificate, "cannot sign it");

    write_pem(key, 0600, [&](BIO* b) {
        return PEM_write_bio_PrivateKey(b, pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1;
    });
    write_pem(certificate, 0644, [&](BIO* b) { return PEM_write_bio_X509(b, cert.get()) == 1; });
}

bool self_signed_due(const std::filesystem::path& certificate) {
    BioPtr bio(BIO_new_file(certificate.c_str(), "r"));
    if (!bio) return true;
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) return true;
    const time_t renew_at = std::time(nullptr) + kRenewDays * kDay;
    return X509_cmp_time(X509_get0_notAfter(cert.get()), const_cast<time_t*>(&renew_at)) <= 0;
}

} // namespace streamd

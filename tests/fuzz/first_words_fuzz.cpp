// The port's switch on untrusted first bytes: each input names one protocol, decided by its
// first bytes alone, and goes on to what takes that protocol. TLS goes into a real server
// handshake with the daemon's own settings (its PSK lookup and ALPN choice see the fuzzed
// ClientHello), the native preamble to its decoder, an HTTP request to the head parser.
#include "config/config.hpp"
#include "config/live_settings.hpp"
#include "config/tls_contexts.hpp"
#include "first_words.hpp"
#include "fuzz_check.hpp"
#include "http_request.hpp"
#include "native_frames.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <openssl/err.h>
#include <span>

namespace streamd {
namespace {

using proto::FirstWords;

// One daemon's TLS settings for every input, with a key, so that a ClientHello naming the
// PSK reaches the lookup; the self-signed certificate goes into a folder of its own.
struct Daemon {
    Daemon() {
        char folder[] = "/tmp/streamd-fuzz-XXXXXX";
        if (!::mkdtemp(folder)) std::abort();
        state = folder;
        std::filesystem::path key = state / "key";
        FILE* f = std::fopen(key.c_str(), "w");
        if (!f) std::abort();
        std::fputs("00112233445566778899aabbccddeeff\n", f);
        std::fclose(f);
        std::filesystem::permissions(key, std::filesystem::perms::owner_read |
                                              std::filesystem::perms::owner_write);
        config.storage.state = state;
        config.auth.secret_file = key;
        settings = std::make_unique<LiveSettings>(config);
        tls = std::make_unique<TlsContexts>(config, *settings);
    }
    ~Daemon() { std::filesystem::remove_all(state); }

    std::filesystem::path state;
    Config config;
    std::unique_ptr<LiveSettings> settings;
    std::unique_ptr<TlsContexts> tls;
};

void handshake(const TlsContexts& tls, std::span<const uint8_t> bytes) {
    SslPtr ssl = tls.accept();
    FUZZ_CHECK(ssl);
    BIO* in = BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size()));
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), in, out);
    // No input makes a server finish a handshake it never answered.
    FUZZ_CHECK(SSL_do_handshake(ssl.get()) != 1);
    ERR_clear_error();
}

} // namespace
} // namespace streamd

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace streamd;
    static Daemon daemon;
    const std::span<const uint8_t> bytes(data, size);
    const FirstWords words = proto::classify_first_words(bytes);
    // The first kPreambleSize bytes decide: what follows them changes nothing.
    if (size > proto::kPreambleSize)
        FUZZ_CHECK(proto::classify_first_words(bytes.first(proto::kPreambleSize)) == words);
    switch (words) {
    case FirstWords::Tls:
        FUZZ_CHECK(data[0] == 0x16);
        handshake(*daemon.tls, bytes);
        break;
    case FirstWords::Native:
        FUZZ_CHECK(proto::has_magic(bytes));
        (void)proto::decode_preamble(bytes.first<proto::kPreambleSize>());
        break;
    case FirstWords::Http:
        FUZZ_CHECK(data[0] >= 'A' && data[0] <= 'Z');
        (void)proto::http::parse_request(bytes);
        break;
    case FirstWords::Unknown:
        break;
    }
    return 0;
}

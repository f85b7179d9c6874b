// parse_config on arbitrary text. The only exception that may escape is ConfigError, whose
// message is one printable line naming the source; a configuration that is accepted keeps
// every range documented in config/streamd.toml.
#include "config/config.hpp"
#include "fuzz_check.hpp"

#include <arpa/inet.h>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;

bool is_address(const std::string& a) {
    in_addr v4{};
    in6_addr v6{};
    return inet_pton(AF_INET, a.c_str(), &v4) == 1 || inet_pton(AF_INET6, a.c_str(), &v6) == 1;
}

bool is_group(const std::string& g) {
    if (g.empty() || g.size() > 32 || g[0] == '-') return false;
    for (char c : g)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
            return false;
    return true;
}

void check(const streamd::Config& c) {
    FUZZ_CHECK(is_address(c.listen.address));
    FUZZ_CHECK(c.listen.address.find('\0') == std::string::npos);
    FUZZ_CHECK(!c.storage.incoming.empty());
    FUZZ_CHECK(c.storage.incoming.is_absolute());
    FUZZ_CHECK(c.storage.incoming.native().find('\0') == std::string::npos);
    FUZZ_CHECK(c.transfer.streams >= 1 && c.transfer.streams <= 64);
    FUZZ_CHECK(c.transfer.chunk_size >= 64 * KiB && c.transfer.chunk_size <= 256 * MiB);
    FUZZ_CHECK(c.transfer.chunk_size % (4 * KiB) == 0);
    FUZZ_CHECK(c.transfer.max_active >= 1 && c.transfer.max_active <= 1024);
    FUZZ_CHECK(c.engine.workers <= 256);
    FUZZ_CHECK(c.engine.pipe_size >= 4 * KiB && c.engine.pipe_size <= 64 * MiB);
    FUZZ_CHECK(c.engine.pipe_size % (4 * KiB) == 0);
    FUZZ_CHECK(is_group(c.control.group));
    FUZZ_CHECK(c.limits.max_incoming <= 65536);
    FUZZ_CHECK(c.limits.max_connections_per_address <= 65536);
    (void)streamd::to_string(c.storage.on_conflict);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // Exactly the bytes given, not NUL-terminated, so that ASan sees any read past them.
    std::string text(reinterpret_cast<const char*>(data), size);
    std::string_view view(text.data(), text.size());
    try {
        check(streamd::parse_config(view, "fuzz.toml", "/etc/streamd"));
    } catch (const streamd::ConfigError& e) {
        std::string_view message = e.what();
        FUZZ_CHECK(message.starts_with("fuzz.toml"));
        for (char c : message)
            FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    }
    return 0;
}

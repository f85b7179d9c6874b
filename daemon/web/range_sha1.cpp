#include "web/range_sha1.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <openssl/evp.h>
#include <unistd.h>

namespace streamd {

std::optional<std::vector<uint8_t>> range_sha1(int fd, uint64_t offset, uint64_t length) {
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    if (!ctx || !EVP_DigestInit_ex(ctx.get(), EVP_sha1(), nullptr)) return std::nullopt;
    std::array<uint8_t, 64 * 1024> buffer{};
    while (length > 0) {
        const ssize_t n = ::pread(fd, buffer.data(), std::min<uint64_t>(buffer.size(), length),
                                  static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        if (!EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(n)))
            return std::nullopt;
        offset += static_cast<uint64_t>(n);
        length -= static_cast<uint64_t>(n);
    }
    std::vector<uint8_t> digest(EVP_MAX_MD_SIZE);
    unsigned size = 0;
    if (!EVP_DigestFinal_ex(ctx.get(), digest.data(), &size)) return std::nullopt;
    digest.resize(size);
    return digest;
}

} // namespace streamd

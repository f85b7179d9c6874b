#include "engine/random_bytes.hpp"

#include <cerrno>
#include <sys/random.h>
#include <system_error>

namespace streamd {

void random_bytes(std::span<uint8_t> out) {
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
        if (n < 0 && errno != EINTR)
            throw std::system_error(errno, std::generic_category(), "getrandom");
        if (n > 0) done += static_cast<size_t>(n);
    }
}

} // namespace streamd

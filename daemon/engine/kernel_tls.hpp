// Whether the kernel could take TLS records over (CONFIG_TLS, the "tls" upper-layer
// protocol of TCP).
#pragma once

#include <string>

namespace streamd {

// "available", or why not, in a few words.
std::string probe_kernel_tls();

} // namespace streamd

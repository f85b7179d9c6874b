// The kernel's TLS (CONFIG_TLS, the "tls" upper-layer protocol of TCP): whether it is
// there, and handing it the sending side of a TLS 1.3 connection once OpenSSL has done
// the handshake, so that splice from the page cache reaches the wire encrypted.
// Receiving stays with OpenSSL: bookworm's OpenSSL 3.0 gives the kernel TLS 1.3 only
// for sending, and streamd does the same by hand.
#pragma once

#include <cstdint>
#include <openssl/ssl.h>
#include <span>
#include <string>

namespace streamd {

// "available", or why not, in a few words.
std::string probe_kernel_tls();

// From now on the kernel seals what is written to `fd`: `secret` is the application
// traffic secret of this side's sending direction, and no application data may have been
// sent with it yet (the record sequence starts at 0). Returns "" or why not; on failure
// the socket sends what it is written as it is, as before.
std::string send_through_kernel(int fd, const SSL* ssl, std::span<const uint8_t> secret);

// close_notify, sealed by the kernel like the records before it; as much as the socket
// takes at once.
void send_close_notify_through_kernel(int fd);

} // namespace streamd

// What a connection's first bytes on the shared port name (docs/PROTOCOL.md, "The
// port"): a TLS handshake record, the native preamble, or an HTTP request.
#pragma once

#include <cstdint>
#include <span>

namespace streamd::proto {

enum class FirstWords { Tls, Native, Http, Unknown };

// Decides from the first kPreambleSize bytes (fewer only when the peer said no more):
// 0x16 0x03 is a TLS handshake record, the native magic the native protocol, an
// upper-case letter an HTTP method; anything else is closed unanswered.
FirstWords classify_first_words(std::span<const uint8_t> bytes);

} // namespace streamd::proto

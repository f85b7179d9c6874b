// The certificate a daemon shows browsers when none is configured: made once, at the
// first start, and kept in the state folder.
#pragma once

#include <filesystem>

namespace streamd {

// Writes a new P-256 key to `key` (mode 0600) and a certificate for this host's name,
// localhost, 127.0.0.1 and ::1 to `certificate`, valid for 397 days: browsers refuse
// longer ones. Each file appears whole or not at all. Throws ConfigError, "PATH: reason".
void create_self_signed(const std::filesystem::path& certificate, const std::filesystem::path& key);

// Whether the certificate in `certificate` is missing, unreadable, or expires within 30
// days: time to make a new one.
bool self_signed_due(const std::filesystem::path& certificate);

} // namespace streamd

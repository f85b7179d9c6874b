// The date format of HTTP fields such as Date and Last-Modified (RFC 9110 5.6.7,
// IMF-fixdate): always English and GMT, whatever the locale.
#pragma once

#include <cstdint>
#include <string>

namespace streamd::proto::http {

// "Sun, 06 Nov 1994 08:49:37 GMT" for a time in seconds since the Unix epoch.
std::string http_date(int64_t unix_seconds);

} // namespace streamd::proto::http

// Content-Disposition for a download (RFC 6266): the name in UTF-8 as an RFC 8187
// extended parameter, which browsers prefer, and an ASCII approximation for those that
// know only the plain parameter.
#pragma once

#include <string>
#include <string_view>

namespace streamd::proto::http {

// attachment; filename="..."; filename*=UTF-8''...
std::string attachment_disposition(std::string_view utf8_name);

} // namespace streamd::proto::http

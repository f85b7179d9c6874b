// The local file a send reads from, opened by streamctl so that streamd reads only what the
// caller may read.
#pragma once

#include "unique_fd.hpp"

#include <string>

namespace streamd::ctl {

// Opens `path` for reading and checks that it is a regular file. Throws Failure with
// "cannot open 'PATH': REASON" or "'PATH' is neither a regular file nor a folder".
UniqueFd open_source_file(const std::string& path);

} // namespace streamd::ctl

// A failure the user can act on, carrying the one line streamctl prints for it.
#pragma once

#include <stdexcept>

namespace streamd::ctl {

// Printed as "streamctl: <what()>"; the command exits with status 1.
class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace streamd::ctl

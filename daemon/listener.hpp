// The listening socket of the transfer port.
#pragma once

#include "config.hpp"
#include "unique_fd.hpp"

#include <string>

namespace streamd {

struct Listener {
    UniqueFd fd;
    std::string address; // "127.0.0.1:7740", as bound (the real port when 0 was asked)
};

// Throws std::system_error with the address in the message.
Listener open_listener(const Config::Listen& config);

} // namespace streamd

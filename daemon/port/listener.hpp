// The listening socket of the transfer port.
#pragma once

#include "config/config.hpp"
#include "unique_fd.hpp"

#include <string>

namespace streamd {

struct Listener {
    UniqueFd fd;
    std::string address; // "127.0.0.1:7740", as bound (the real port when 0 was asked)
    bool from_service_manager = false;
};

// The socket systemd passes (socket activation, sd_listen_fds(3)) if there is one, else a new
// one bound as `config` says. Throws std::system_error with the address in the message, or
// std::runtime_error when the passed sockets are not one listening TCP socket.
Listener open_listener(const Config::Listen& config);

} // namespace streamd

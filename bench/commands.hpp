// Starting the bench's commands: at one end of a route, and waiting for a server to listen.
#pragma once

#include "process.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace streamd::bench {

// `prefix` then `argv`: a command as it runs at one end of a route, e.g. inside a network
// namespace ({"ip", "netns", "exec", NAME}) or on one core ({"taskset", "-c", N}).
std::vector<std::string> at(const std::vector<std::string>& prefix, std::vector<std::string> argv);

// Returns once `server` listens on TCP `port` on any address; throws if it ends first or
// does not within 30 s.
void wait_listening(it::Process& server, std::uint16_t port);

} // namespace streamd::bench

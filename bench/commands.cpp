#include "commands.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace streamd::bench {

std::vector<std::string> at(const std::vector<std::string>& prefix, std::vector<std::string> argv) {
    argv.insert(argv.begin(), prefix.begin(), prefix.end());
    return argv;
}

// Servers announce readiness in different ways or not at all; the kernel's socket table
// says the same for all of them without using up their one connection. The server's own
// view of it, as it may live in another network namespace.
void wait_listening(it::Process& server, std::uint16_t port) {
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, ":%04X", port);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string proc = "/proc/" + std::to_string(server.pid()) + "/net/";
    while (std::chrono::steady_clock::now() < deadline) {
        for (const char* table : {"tcp", "tcp6"}) {
            std::ifstream in(proc + table);
            std::string line;
            std::getline(in, line); // column names
            while (std::getline(in, line)) {
                // "sl local_address rem_address st ...": state 0A is LISTEN.
                std::istringstream fields(line);
                std::string slot, local, remote, state;
                fields >> slot >> local >> remote >> state;
                if (local.ends_with(suffix) && state == "0A") return;
            }
        }
        if (server.wait_for(std::chrono::milliseconds(5)))
            throw std::runtime_error(server.command() +
                                     " ended before listening: " + server.stderr_text());
    }
    throw std::runtime_error(server.command() + " is not listening on port " +
                             std::to_string(port) + " after 30 s: " + server.stderr_text());
}

} // namespace streamd::bench

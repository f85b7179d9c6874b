// A connection as the port hands it to the protocol its first bytes name.
#pragma once

#include "engine/transport.hpp"
#include "port/admission.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace streamd {

class Worker;

struct Arrival {
    std::unique_ptr<Transport> wire;
    std::string peer; // "address:port"
    Admission admission;
    bool peer_on_loopback = false;
    std::chrono::steady_clock::time_point accepted_at;
    // What the port read to tell the protocol; the protocol reads on from there.
    std::vector<uint8_t> received;
    // In the clear where [tls] mode is "required": the protocol tells the peer why it
    // ends.
    bool plain_refused = false;
};

// The protocols served on the port, as the port sees them: who takes a connection.
class Protocols {
public:
    // A peer speaking streamd's own protocol; also a connection that said too little to
    // tell within the handshake timeout, which the native protocol, the port's first
    // client, tells why it is closed.
    virtual void native(Worker& w, Arrival arrival) = 0;
    // A browser or another HTTP client.
    virtual void http(Worker& w, Arrival arrival) = 0;

protected:
    ~Protocols() = default;
};

} // namespace streamd

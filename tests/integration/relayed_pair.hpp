#pragma once

#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "tcp_relay.hpp"

#include <string>

namespace streamd::it {

// A sender and a receiver whose transfers go through a TcpRelay, so that a test can keep them
// running; with a direct D-Bus line to each daemon. Sending to `relay.endpoint()` goes through
// the relay, to `receiver.endpoint()` around it.
class RelayedPair {
public:
    explicit RelayedPair(StreamdOptions sender_options = {}, StreamdOptions receiver_options = {});

    StreamdInstance receiver;
    TcpRelay relay;
    StreamdInstance sender;
    StreamdBus sender_bus;
    StreamdBus receiver_bus;

    // Both daemons' logs and the relay's counts, for failure messages.
    std::string logs();
};

} // namespace streamd::it

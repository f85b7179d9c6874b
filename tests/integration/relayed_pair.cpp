#include "relayed_pair.hpp"

namespace streamd::it {

RelayedPair::RelayedPair(StreamdOptions sender_options, StreamdOptions receiver_options)
    : receiver(std::move(receiver_options)), relay(receiver.port()),
      sender(std::move(sender_options)), sender_bus(sender.bus_address()),
      receiver_bus(receiver.bus_address()) {}

std::string RelayedPair::logs() {
    const TcpRelay::Counts counts = relay.counts();
    return "relay: " + std::to_string(counts.accepted) + " connections accepted, " +
           std::to_string(counts.open) + " open, " + std::to_string(counts.held) + " held, " +
           std::to_string(counts.to_server) + " bytes to the receiver, " +
           std::to_string(counts.to_client) + " back\nsender:\n" + sender.log() + "receiver:\n" +
           receiver.log();
}

} // namespace streamd::it

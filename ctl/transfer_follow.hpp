// Following transfers until they end, as `send` and `get` do: a progress line each while
// they run, the line a caller makes for each that is done, the reason for each that is
// not; Ctrl-C stops the waiting, not the transfers.
#pragma once

#include "bus_client.hpp"
#include "transfer_snapshot.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::ctl {

struct Followed {
    std::string name; // as the user named it
    TransferRef transfer;
    TransferSnapshot last = {};
    bool finished = false;
};

// The line for standard output of a transfer that is done, given the name it was stored
// under and how long it took.
using DoneLine =
    std::function<std::string(const Followed&, std::string_view stored, double seconds)>;

// "transfer 3", "transfers 3 and 4", "transfers 3, 4 and 5".
std::string transfers_named(const std::vector<uint32_t>& ids);

// Returns 0 when every transfer is done, 1 when any is not. Throws Failure when the
// daemon cannot be asked any more.
int follow_transfers(BusClient& client, std::vector<Followed>& transfers,
                     std::chrono::steady_clock::time_point started, const DoneLine& done_line);

} // namespace streamd::ctl

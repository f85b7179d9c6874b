#pragma once

#include "streamd_bus.hpp"
#include "wait_until.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::it {

// Position in queued, connecting, running, verifying, then one of done, failed or canceled: a
// transfer only moves forward. -1 for a state the contract does not know.
int state_rank(std::string_view state);
bool is_final_state(std::string_view state);
// connecting, running or verifying: holding one of the max_active slots.
bool is_active_state(std::string_view state);

// The outcome of waiting for a transfer: the row that met the condition, or why none did.
struct TransferWait {
    std::optional<TransferRow> row;
    std::string report; // the last listing seen, for the failure message
};

// Looks at ListTransfers until transfer `id` meets `condition`.
TransferWait wait_for_transfer(StreamdBus& bus, std::uint32_t id,
                               const std::function<bool(const TransferRow&)>& condition,
                               std::chrono::milliseconds timeout = generous_deadline);
// Until transfer `id` is in `state`.
TransferWait wait_for_state(StreamdBus& bus, std::uint32_t id, const std::string& state,
                            std::chrono::milliseconds timeout = generous_deadline);
// Until transfer `id` has ended, however.
TransferWait wait_until_finished(StreamdBus& bus, std::uint32_t id,
                                 std::chrono::milliseconds timeout = generous_deadline);

// Until a transfer named `name` has ended, under whichever id: a restarted sender gives the
// transfers it picks up new ones.
TransferWait wait_until_finished(StreamdBus& bus, const std::string& name,
                                 std::chrono::milliseconds timeout = generous_deadline);

// The rows for `ids`, in the order of `ids`; missing ones are left out.
std::vector<TransferRow> rows_for(const std::vector<TransferRow>& rows,
                                  const std::vector<std::uint32_t>& ids);

} // namespace streamd::it

#include "transfer_states.hpp"

#include <array>

namespace streamd::it {

int state_rank(std::string_view state) {
    static constexpr std::array<std::string_view, 7> order = {
        "queued", "connecting", "running", "verifying", "done", "failed", "canceled"};
    for (std::size_t i = 0; i < order.size(); ++i)
        if (order[i] == state) return static_cast<int>(std::min<std::size_t>(i, 4));
    return -1;
}

bool is_final_state(std::string_view state) {
    return state == "done" || state == "failed" || state == "canceled";
}

bool is_active_state(std::string_view state) {
    return state == "connecting" || state == "running" || state == "verifying";
}

namespace {

// Looks at ListTransfers until some row satisfies `wanted`; the last listing otherwise.
TransferWait wait_for_row(StreamdBus& bus, const std::function<bool(const TransferRow&)>& wanted,
                          std::chrono::milliseconds timeout, const std::string& what) {
    TransferWait result;
    std::vector<TransferRow> rows;
    bool met = wait_until(
        [&] {
            rows = bus.list_transfers();
            for (const auto& row : rows)
                if (wanted(row)) {
                    result.row = row;
                    return true;
                }
            return false;
        },
        timeout);
    if (!met) result.report = what + "; last " + describe(rows);
    return result;
}

} // namespace

TransferWait wait_for_transfer(StreamdBus& bus, std::uint32_t id,
                               const std::function<bool(const TransferRow&)>& condition,
                               std::chrono::milliseconds timeout) {
    return wait_for_row(
        bus, [&](const TransferRow& row) { return row.id == id && condition(row); }, timeout,
        "transfer " + std::to_string(id) + " never got there");
}

TransferWait wait_for_state(StreamdBus& bus, std::uint32_t id, const std::string& state,
                            std::chrono::milliseconds timeout) {
    auto result = wait_for_transfer(
        bus, id, [&](const TransferRow& row) { return row.state == state; }, timeout);
    if (!result.row) result.report = "waiting for state " + state + ": " + result.report;
    return result;
}

TransferWait wait_until_finished(StreamdBus& bus, std::uint32_t id,
                                 std::chrono::milliseconds timeout) {
    auto result = wait_for_transfer(
        bus, id, [](const TransferRow& row) { return is_final_state(row.state); }, timeout);
    if (!result.row) result.report = "waiting for the end: " + result.report;
    return result;
}

TransferWait wait_until_finished(StreamdBus& bus, const std::string& name,
                                 std::chrono::milliseconds timeout) {
    return wait_for_row(
        bus, [&](const TransferRow& row) { return row.name == name && is_final_state(row.state); },
        timeout, "no transfer of " + name + " ended");
}

std::vector<TransferRow> rows_for(const std::vector<TransferRow>& rows,
                                  const std::vector<std::uint32_t>& ids) {
    std::vector<TransferRow> result;
    for (std::uint32_t id : ids)
        for (const auto& row : rows)
            if (row.id == id) result.push_back(row);
    return result;
}

} // namespace streamd::it

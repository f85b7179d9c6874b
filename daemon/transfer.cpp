#include "transfer.hpp"

namespace streamd {

const char* to_string(TransferState s) {
    switch (s) {
    case TransferState::Connecting:
        return "connecting";
    case TransferState::Running:
        return "running";
    case TransferState::Verifying:
        return "verifying";
    case TransferState::Done:
        return "done";
    case TransferState::Failed:
        return "failed";
    }
    return "unknown";
}

void Transfer::advance(TransferState s) {
    std::lock_guard lock(mutex_);
    auto cur = state_.load(std::memory_order_relaxed);
    if (cur == TransferState::Done || cur == TransferState::Failed || s <= cur) return;
    state_.store(s, std::memory_order_release);
}

void Transfer::succeed(std::string stored_name) {
    std::lock_guard lock(mutex_);
    if (state_.load(std::memory_order_relaxed) == TransferState::Failed) return;
    stored_name_ = std::move(stored_name);
    finished_at_.store(now_us(), std::memory_order_release);
    state_.store(TransferState::Done, std::memory_order_release);
}

bool Transfer::fail(std::string reason) {
    std::lock_guard lock(mutex_);
    auto cur = state_.load(std::memory_order_relaxed);
    if (cur == TransferState::Done || cur == TransferState::Failed) return false;
    error_ = std::move(reason);
    finished_at_.store(now_us(), std::memory_order_release);
    state_.store(TransferState::Failed, std::memory_order_release);
    return true;
}

} // namespace streamd

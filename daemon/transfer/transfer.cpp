#include "transfer/transfer.hpp"

namespace streamd {

const char* to_string(TransferState s) {
    switch (s) {
    case TransferState::Queued:
        return "queued";
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
    case TransferState::Canceled:
        return "canceled";
    }
    return "unknown";
}

const char* to_string(Failure f) {
    switch (f) {
    case Failure::Connection:
        return "connection";
    case Failure::Refused:
        return "refused";
    case Failure::Authentication:
        return "authentication";
    case Failure::Protocol:
        return "protocol";
    case Failure::Verification:
        return "verification";
    case Failure::Storage:
        return "storage";
    case Failure::Source:
        return "source";
    case Failure::Other:
        break;
    }
    return "other";
}

void Transfer::advance(TransferState s) {
    std::lock_guard lock(mutex_);
    auto cur = state_.load(std::memory_order_relaxed);
    if (is_final(cur) || s <= cur) return;
    if (cur == TransferState::Queued) started_at_.store(now_us(), std::memory_order_release);
    state_.store(s, std::memory_order_release);
}

void Transfer::succeed(std::string stored_name) {
    {
        std::lock_guard lock(mutex_);
        if (finished()) return;
        stored_name_ = std::move(stored_name);
        finished_at_.store(now_us(), std::memory_order_release);
        state_.store(TransferState::Done, std::memory_order_release);
    }
    if (on_end_) on_end_(*this);
}

bool Transfer::fail(Failure kind, std::string reason) {
    return end(TransferState::Failed, std::move(reason), kind);
}

bool Transfer::cancel(std::string reason) {
    return end(TransferState::Canceled, std::move(reason));
}

bool Transfer::end(TransferState final_state, std::string reason, Failure kind) {
    {
        std::lock_guard lock(mutex_);
        if (finished()) return false;
        error_ = std::move(reason);
        failure_ = kind;
        finished_at_.store(now_us(), std::memory_order_release);
        state_.store(final_state, std::memory_order_release);
    }
    if (on_end_) on_end_(*this);
    return true;
}

} // namespace streamd

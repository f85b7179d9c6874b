#include "transfer/transfer_stats.hpp"

namespace streamd {

void TransferStats::count(const Transfer& t) {
    Side& side = t.direction() == Direction::In ? in : out;
    side.bytes += t.bytes_done();
    switch (t.state()) {
    case TransferState::Queued:
        ++side.queued;
        break;
    case TransferState::Connecting:
    case TransferState::Running:
    case TransferState::Verifying:
        ++side.active;
        break;
    case TransferState::Done: {
        ++side.done;
        const double seconds =
            static_cast<double>(t.finished_at() - std::min(t.started_at(), t.finished_at())) / 1e6;
        side.done_seconds += seconds;
        for (size_t i = 0; i < kDurationBuckets.size(); ++i)
            if (seconds <= kDurationBuckets[i]) ++side.done_within[i];
        break;
    }
    case TransferState::Failed:
        ++side.failed;
        ++failures[static_cast<size_t>(t.failure())];
        break;
    case TransferState::Canceled:
        ++side.canceled;
        break;
    }
}

Totals TransferStats::totals() const {
    return {.bytes_in = in.bytes,
            .bytes_out = out.bytes,
            .done = static_cast<uint32_t>(in.done + out.done),
            .failed = static_cast<uint32_t>(in.failed + out.failed),
            .canceled = static_cast<uint32_t>(in.canceled + out.canceled),
            .active_in = static_cast<uint32_t>(in.active),
            .active_out = static_cast<uint32_t>(out.active),
            .queued = static_cast<uint32_t>(in.queued + out.queued)};
}

} // namespace streamd

#include "transfer/transfers.hpp"

#include "transfer/transfer_log.hpp"

namespace streamd {

bool Transfers::fail_incoming(IncomingTransfer& t, const std::string& peer,
                              const std::string& reason) {
    if (!t.fail(reason)) return false;
    log_transfer(spdlog::level::warn, t, "receiving {} from {} failed: {}", t.name(), peer, reason);
    registry().forget_incoming(t.offer().id);
    close_transfer(t.id());
    return true;
}

void Transfers::stream_left(IncomingTransfer& t, const std::string& peer) {
    if (!t.detach_stream()) return;
    registry().forget_incoming(t.offer().id);
    log_transfer(spdlog::level::warn, t, "receiving {} from {} failed: {}", t.name(), peer,
                 t.error());
}

} // namespace streamd

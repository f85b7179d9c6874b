// What the connections that carry transfers (native/, web/) may ask of the daemon that
// runs them: the seam between the protocols and the workers, the registry and the
// storage around them.
#pragma once

#include "config/live_settings.hpp"
#include "config/tls_contexts.hpp"
#include "engine/rate_limit.hpp"
#include "native_frames.hpp"
#include "storage/storage.hpp"
#include "transfer/incoming_transfer.hpp"
#include "transfer/outgoing_transfer.hpp"
#include "transfer/transfer_registry.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace streamd {

class Transfers {
public:
    virtual TransferRegistry& registry() = 0;
    virtual const Storage& storage() const = 0;
    virtual const LiveSettings& settings() const = 0;
    virtual const TlsContexts& tls() const = 0;
    // [transfer] max_rate: what every outgoing transfer sends goes through it.
    virtual RateLimit& send_limit() = 0;

    // Takes an incoming transfer, from a peer or a browser, with one stream attached;
    // an earlier attempt still running is taken over. Throws Refusal.
    virtual std::shared_ptr<IncomingTransfer> accept_offer(const proto::Offer& offer,
                                                           const std::string& peer) = 0;
    // The same for a folder, with the manifest that came after its OFFER.
    virtual std::shared_ptr<IncomingTransfer> accept_tree(const proto::Offer& offer,
                                                          proto::TreeManifest manifest,
                                                          const std::string& peer) = 0;
    // A peer asks for what this daemon shows of its received files under `pull.name`
    // (docs/PROTOCOL.md, PULL): it is queued to go to the peer's address `from`, at the
    // port the peer named. Throws Refusal when it cannot be.
    virtual void serve_pull(const proto::Pull& pull, const sockaddr* from) = 0;
    // Ends every stream of the transfer with this local id, on every worker.
    virtual void close_transfer(uint32_t id) = 0;
    // Starts streams `first` to `first + count - 1` of an outgoing transfer, spread over
    // the workers.
    virtual void start_streams(const std::shared_ptr<OutgoingTransfer>& t, uint16_t first,
                               uint16_t count) = 0;
    // Stream 0 of `t` was accepted: its other streams, connected already, send their JOIN,
    // and those that gave up waiting start again.
    virtual void let_streams_join(const std::shared_ptr<OutgoingTransfer>& t) = 0;
    // The last stream of an unfinished outgoing transfer is gone: its connection was
    // lost, and it tries again after a pause, or fails when it has tried enough.
    virtual void streams_gone(std::shared_ptr<OutgoingTransfer> t) = 0;
    // A connection that tells the receiver of an outgoing transfer canceled here that
    // it is, so that it removes its partial file rather than keep it for a resume.
    virtual void send_cancel_notice(std::shared_ptr<OutgoingTransfer> t) = 0;
    // Runs `task` on the control thread (worker 0).
    virtual void on_control_thread(std::function<void()> task) = 0;

    // An incoming transfer cannot go on: it fails for `reason` (unless it ended
    // already, which the result says), no later stream may join it, and its other
    // streams are closed.
    bool fail_incoming(IncomingTransfer& t, const std::string& peer, Failure kind,
                       const std::string& reason);
    // A stream of an incoming transfer is gone; the last one to go fails an unfinished
    // transfer.
    void stream_left(IncomingTransfer& t, const std::string& peer);

protected:
    ~Transfers() = default;
};

// The kind of failure a refusal with `code` is, at the end that refuses.
Failure failure_of(proto::ErrorCode code);

} // namespace streamd

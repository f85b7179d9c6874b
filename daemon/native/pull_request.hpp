// The asking end of a fetch (docs/PROTOCOL.md, Fetching): connect to the serving daemon,
// authenticate, send PULL and hear its ACCEPT or ERROR. What it asked for then comes as
// an ordinary transfer, on connections the serving daemon opens.
#pragma once

#include "native/outgoing_connection.hpp"

#include <functional>
#include <string>
#include <vector>

namespace streamd {

class PullRequest : public OutgoingConnection {
public:
    // Called once, on the connection's worker: empty when the serving daemon agreed to
    // send, else why nothing comes.
    using Answer = std::function<void(const std::string& refusal)>;

    PullRequest(Worker& worker, Transfers& transfers, proto::Pull pull, std::string peer,
                std::vector<PeerAddress> addresses, Answer answer);
    ~PullRequest() override;

    void start() override { connect(0); }
    void internal_error(const std::string& what) override {
        fail(Failure::Other, "internal error: " + what);
    }
    uint32_t transfer_id() const override { return 0; }
    void check_time(Clock::time_point now) override;

private:
    const std::string& peer() const override { return peer_; }
    const std::vector<PeerAddress>& addresses() const override { return addresses_; }
    bool tries_every_address() const override { return true; }
    void welcomed() override;
    void on_peer_frame(const proto::FrameHeader& h, std::span<const uint8_t> body) override;
    void ended(int res) override;
    void lost(std::string reason) override { answer(reason); }
    void fail(Failure, std::string reason) override { answer(reason); }
    // Answers, if nothing has yet, and closes.
    void answer(const std::string& refusal);

    const proto::Pull pull_;
    const std::string peer_;
    const std::vector<PeerAddress> addresses_;
    Answer answer_;
};

} // namespace streamd

// A connection just accepted on the port, until its first bytes tell which protocol it
// speaks (docs/PROTOCOL.md, "The port"): a TLS record (0x16) starts the handshake, and
// the first bytes inside it decide as they do in the clear; the native preamble's first
// byte is one that no HTTP method starts with.
#pragma once

#include "config/live_settings.hpp"
#include "config/tls_contexts.hpp"
#include "engine/connection.hpp"
#include "first_words.hpp"
#include "port/arrival.hpp"

#include <array>

namespace streamd {

class FirstBytes : public Connection {
public:
    FirstBytes(Worker& worker, Arrival arrival, Protocols& protocols, const LiveSettings& settings,
               const TlsContexts& tls);

    void start() override;
    void internal_error(const std::string&) override {}
    uint32_t transfer_id() const override { return 0; }
    void check_time(Clock::time_point now) override;

private:
    void read();
    void on_recv(int res) override;
    void on_handshake(int res) override;
    void start_tls();
    void hand_over(void (Protocols::*to)(Worker&, Arrival));

    Arrival arrival_;
    Protocols& protocols_;
    const LiveSettings& settings_;
    const TlsContexts& tls_;
    TlsTransport* encrypted_ = nullptr; // the transport, once TLS started
    std::array<uint8_t, proto::kPreambleSize> in_{};
    size_t have_ = 0;
    bool timed_out_ = false;
};

// Takes a connection the worker accepted: counts it against its address and reads its
// first bytes, or closes it unanswered when its address holds all it may.
void accept_connection(Worker& worker, UniqueFd socket, AdmissionCounter& admissions,
                       Protocols& protocols, const LiveSettings& settings, const TlsContexts& tls);

} // namespace streamd

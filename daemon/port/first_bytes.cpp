#include "port/first_bytes.hpp"

#include "engine/destination.hpp"
#include "engine/worker.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace streamd {

namespace {
std::string_view alpn(const TlsTransport& t) {
    const unsigned char* name = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(t.ssl(), &name, &length);
    return {reinterpret_cast<const char*>(name), length};
}
} // namespace

FirstBytes::FirstBytes(Worker& worker, Arrival arrival, Protocols& protocols,
                       const LiveSettings& settings, const TlsContexts& tls)
    : Connection(worker, std::move(arrival.wire)), arrival_(std::move(arrival)),
      protocols_(protocols), settings_(settings), tls_(tls) {}

void FirstBytes::start() {
    read();
}

void FirstBytes::read() {
    receive({in_.data() + have_, in_.size() - have_}, MSG_WAITALL);
}

void FirstBytes::on_recv(int res) {
    if (res > 0) have_ += static_cast<size_t>(res);
    if (have_ == in_.size()) {
        switch (proto::classify_first_words(in_)) {
        case proto::FirstWords::Tls:
            if (!encrypted_ && tls_.mode() != TlsMode::Off) return start_tls();
            return close();
        case proto::FirstWords::Native:
            // Inside TLS, only as ALPN named it: a browser's connection stays HTTP.
            if (encrypted_ && alpn(*encrypted_) != kAlpnNative) return close();
            return hand_over(&Protocols::native);
        case proto::FirstWords::Http:
            if (encrypted_ && alpn(*encrypted_) == kAlpnNative) return close();
            return hand_over(&Protocols::http);
        case proto::FirstWords::Unknown:
            return close();
        }
    }
    // The handshake timeout canceled the read: the native protocol says why it ends.
    if (timed_out_) return hand_over(&Protocols::native);
    if (res <= 0) return close(); // gone before saying anything worth an answer
    read();
}

void FirstBytes::start_tls() {
    SslPtr ssl = tls_.accept();
    if (!ssl) return close();
    auto wire = std::make_unique<TlsTransport>(transport().take_socket(), std::move(ssl),
                                               std::span<const uint8_t>(in_.data(), have_));
    encrypted_ = wire.get();
    set_transport(std::move(wire));
    encrypted_->handshake(*this);
}

void FirstBytes::on_handshake(int res) {
    if (res < 0) {
        // A wrong key deserves the operator's attention, as in the clear; scanners and
        // browsers that distrust the certificate end here all the time.
        if (wrong_key_offered(encrypted_->failure()))
            spdlog::warn("refused {}: authentication failed: its key does not match ours",
                         arrival_.peer);
        else
            spdlog::debug("TLS handshake with {} failed: {}", arrival_.peer, encrypted_->failure());
        return close();
    }
    have_ = 0;
    read();
}

void FirstBytes::hand_over(void (Protocols::*to)(Worker&, Arrival)) {
    arrival_.wire = give_up_transport();
    arrival_.received.assign(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(have_));
    arrival_.plain_refused = !encrypted_ && tls_.mode() == TlsMode::Required;
    (protocols_.*to)(worker_, std::move(arrival_));
}

void FirstBytes::check_time(Clock::time_point now) {
    if (arrival_.admission.shed()) {
        spdlog::debug("closed {} in its handshake: a newer connection took its place",
                      arrival_.peer);
        return close();
    }
    const uint64_t limit = settings_.limits().handshake_timeout;
    if (timed_out_ || limit == 0 || now - arrival_.accepted_at < std::chrono::seconds(limit))
        return;
    timed_out_ = true;
    worker_.cancel_operations(*this);
}

void accept_connection(Worker& worker, UniqueFd socket, AdmissionCounter& admissions,
                       Protocols& protocols, const LiveSettings& settings, const TlsContexts& tls) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    // Gone again already (reset before it was accepted): nobody to count or answer.
    if (::getpeername(socket.get(), reinterpret_cast<sockaddr*>(&peer), &len) != 0) return;
    const auto* addr = reinterpret_cast<const sockaddr*>(&peer);
    std::string group = admission_group(addr);
    std::string why;
    auto admission = admissions.admit(
        group, why, [&worker] { worker.post([](Worker& w) { w.check_connections(); }); });
    if (!admission) {
        // Closed unread: a peer holding this many connections is not owed a reply.
        spdlog::warn("refused a connection from {}: {}", group, why);
        return;
    }
    Arrival arrival{std::make_unique<PlainSocket>(std::move(socket)),
                    format_address(addr),
                    std::move(*admission),
                    is_loopback(addr),
                    std::chrono::steady_clock::now(),
                    {}};
    worker.adopt(
        std::make_unique<FirstBytes>(worker, std::move(arrival), protocols, settings, tls));
}

} // namespace streamd

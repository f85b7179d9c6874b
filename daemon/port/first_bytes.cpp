#include "port/first_bytes.hpp"

#include "engine/destination.hpp"
#include "engine/worker.hpp"

#include <cctype>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

namespace streamd {

FirstBytes::FirstBytes(Worker& worker, Arrival arrival, Protocols& protocols,
                       const LiveSettings& settings)
    : Connection(worker, std::move(arrival.socket)), arrival_(std::move(arrival)),
      protocols_(protocols), settings_(settings) {}

void FirstBytes::start() {
    read();
}

void FirstBytes::read() {
    receive({in_.data() + have_, in_.size() - have_}, MSG_WAITALL);
}

void FirstBytes::on_recv(int res) {
    if (res > 0) have_ += static_cast<size_t>(res);
    if (have_ == in_.size()) {
        if (proto::has_magic(in_)) return hand_over(&Protocols::native);
        // Every HTTP method is an upper-case token.
        if (std::isupper(in_[0])) return hand_over(&Protocols::http);
        return close();
    }
    // The handshake timeout canceled the read: the native protocol says why it ends.
    if (timed_out_) return hand_over(&Protocols::native);
    if (res <= 0) return close(); // gone before saying anything worth an answer
    read();
}

void FirstBytes::hand_over(void (Protocols::*to)(Worker&, Arrival)) {
    arrival_.socket = give_up_socket();
    arrival_.received.assign(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(have_));
    (protocols_.*to)(worker_, std::move(arrival_));
}

void FirstBytes::check_time(Clock::time_point now) {
    const uint64_t limit = settings_.limits().handshake_timeout;
    if (timed_out_ || limit == 0 || now - arrival_.accepted_at < std::chrono::seconds(limit))
        return;
    timed_out_ = true;
    worker_.cancel_operations(*this);
}

void accept_connection(Worker& worker, UniqueFd socket, AdmissionCounter& admissions,
                       Protocols& protocols, const LiveSettings& settings) {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    // Gone again already (reset before it was accepted): nobody to count or answer.
    if (::getpeername(socket.get(), reinterpret_cast<sockaddr*>(&peer), &len) != 0) return;
    const auto* addr = reinterpret_cast<const sockaddr*>(&peer);
    std::string host = format_host(addr);
    auto admission = admissions.admit(host);
    if (!admission) {
        // Closed unread: a peer holding this many connections is not owed a reply.
        spdlog::warn("refused a connection from {}: it holds {} already", host,
                     settings.limits().max_connections_per_address);
        return;
    }
    Arrival arrival{std::move(socket),
                    format_address(addr),
                    std::move(*admission),
                    is_loopback(addr),
                    std::chrono::steady_clock::now(),
                    {}};
    worker.adopt(std::make_unique<FirstBytes>(worker, std::move(arrival), protocols, settings));
}

} // namespace streamd

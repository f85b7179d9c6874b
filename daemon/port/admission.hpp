// A connection's place in the daemon's count of connections per address. It moves with
// the socket when one kind of connection hands the socket to another, so the count is
// given back exactly once, whichever of them ends last.
#pragma once

#include <string>
#include <utility>

namespace streamd {

class Daemon;

class Admission {
public:
    Admission() = default;
    // `host` was counted by Daemon::admit().
    Admission(Daemon& daemon, std::string host) : daemon_(&daemon), host_(std::move(host)) {}
    Admission(Admission&& o) noexcept
        : daemon_(std::exchange(o.daemon_, nullptr)), host_(std::move(o.host_)) {}
    Admission& operator=(Admission&& o) noexcept {
        if (this != &o) {
            give_back();
            daemon_ = std::exchange(o.daemon_, nullptr);
            host_ = std::move(o.host_);
        }
        return *this;
    }
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    ~Admission() { give_back(); }

    const std::string& host() const { return host_; }

private:
    void give_back() noexcept;

    Daemon* daemon_ = nullptr;
    std::string host_;
};

} // namespace streamd

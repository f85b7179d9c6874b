// The count of connections per peer address ([limits] max_connections_per_address), and
// each connection's place in it. A place moves with the socket when one kind of
// connection hands the socket to another, so it is given back exactly once, whichever
// of them ends last.
#pragma once

#include "config/live_settings.hpp"

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace streamd {

class Admission;

class AdmissionCounter {
public:
    explicit AdmissionCounter(const LiveSettings& settings) : settings_(settings) {}

    // Any thread. A place for one more connection from `host` (an IP, no port), or
    // nothing when that address holds all it may.
    std::optional<Admission> admit(std::string host);

private:
    friend class Admission;
    void release(const std::string& host);

    const LiveSettings& settings_;
    std::mutex mutex_;
    std::map<std::string, unsigned> by_host_;
};

class Admission {
public:
    Admission() = default;
    Admission(Admission&& o) noexcept
        : counter_(std::exchange(o.counter_, nullptr)), host_(std::move(o.host_)) {}
    Admission& operator=(Admission&& o) noexcept {
        if (this != &o) {
            give_back();
            counter_ = std::exchange(o.counter_, nullptr);
            host_ = std::move(o.host_);
        }
        return *this;
    }
    Admission(const Admission&) = delete;
    Admission& operator=(const Admission&) = delete;
    ~Admission() { give_back(); }

    const std::string& host() const { return host_; }

private:
    friend class AdmissionCounter;
    Admission(AdmissionCounter& counter, std::string host)
        : counter_(&counter), host_(std::move(host)) {}
    void give_back() noexcept {
        if (auto* c = std::exchange(counter_, nullptr)) c->release(host_);
    }

    AdmissionCounter* counter_ = nullptr;
    std::string host_;
};

} // namespace streamd

#include "control/dbus_service.hpp"

#include "control/bus_caller.hpp"
#include "control/bus_log_control.hpp"
#include "control/bus_manager.hpp"
#include "control/bus_names.hpp"
#include "control/bus_transfer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace streamd {

namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(250);

} // namespace

DbusService::DbusService(DaemonControl& daemon, BusKind bus)
    : daemon_(daemon), bus_label_(bus == BusKind::Session ? "session bus" : "system bus") {
    try {
        bus_ = bus == BusKind::Session ? sdbus::createSessionBusConnection(kBusName)
                                       : sdbus::createSystemBusConnection(kBusName);
    } catch (const sdbus::Error& e) {
        // The bus refuses the name when its policy does not let this user own it, and
        // answers "exists" when another process holds it.
        const bool policy = e.getName() == "org.freedesktop.DBus.Error.AccessDenied" ||
                            e.getMessage().find("Permission denied") != std::string::npos;
        throw std::runtime_error(
            std::string("cannot take the name ") + kBusName + " on the " + bus_label_ + ": " +
            e.getMessage() +
            (policy ? " (the bus policy, /usr/share/dbus-1/system.d/org.streamd.Streamd1.conf, "
                      "lets only the users root and streamd own it)"
                    : " (is another streamd running?)"));
    }
    manager_ = std::make_unique<BusManager>(*bus_, daemon, *this);
    log_control_ = std::make_unique<BusLogControl>(*bus_, *this);
}

DbusService::~DbusService() = default;

std::string DbusService::authorize(const sdbus::Message* call, const char* what) const {
    BusCaller caller = caller_of(call);
    const std::string& group = daemon_.config().control.group;
    if (!may_change(caller, group)) {
        spdlog::info("refused {} to {}", what, describe(caller));
        throw bus_error("AccessDenied", std::string("permission denied: only root and members of "
                                                    "group '") +
                                            group + "' may " + what);
    }
    return describe(caller);
}

void DbusService::cancel(uint32_t id, const sdbus::Message* call) {
    std::string who = authorize(call, "cancel transfers");
    switch (daemon_.cancel(id, "canceled by " + who)) {
    case CancelOutcome::Canceled:
        publish();
        return;
    case CancelOutcome::NoSuchTransfer:
        throw bus_error("NoSuchTransfer", "no transfer " + std::to_string(id));
    case CancelOutcome::AlreadyFinished:
        throw bus_error("AlreadyFinished",
                        "transfer " + std::to_string(id) + " has finished already (" +
                            to_string(daemon_.registry().get(id)->state()) + ")");
    }
}

uint64_t DbusService::rate_of(uint32_t id) const {
    auto it = transfers_.find(id);
    return it == transfers_.end() ? 0 : it->second->rate();
}

std::pair<uint64_t, uint64_t> DbusService::rates() const {
    uint64_t in = 0, out = 0;
    for (const auto& [id, object] : transfers_)
        (object->transfer().direction() == Direction::In ? in : out) += object->rate();
    return {in, out};
}

void DbusService::attach(Worker& w) {
    worker_ = &w;
    w.host(*this);
    process();
    spdlog::info("serving {} on the {}", kBusName, bus_label_);
    const std::string& group = daemon_.config().control.group;
    if (!group_exists(group))
        spdlog::info("no group '{}': only root{} may send, cancel and reload", group,
                     ::geteuid() == 0 ? "" : " and this daemon's user");
}

void DbusService::process() {
    if (lost_) return;
    try {
        while (bus_->processPendingRequest()) {
        }
    } catch (const sdbus::Error& e) {
        // Nobody could see or steer the daemon any more: it stops, and its service
        // manager starts it again once the bus is back.
        lost_ = true;
        return daemon_.fail(
            fmt::format("lost the connection to the {}: {}", bus_label_, e.getMessage()));
    }
    if (armed_events_ == 0) arm_poll();
}

void DbusService::ready() {
    armed_events_ = 0;
    process();
}

void DbusService::arm_poll() {
    auto pd = bus_->getEventLoopPollData();
    worker_->poll(pd.fd, pd.events);
    armed_events_ = pd.events;
}

std::optional<DbusService::Clock::time_point> DbusService::deadline() const {
    if (lost_) return std::nullopt;
    std::optional<Clock::time_point> d = next_tick_;
    auto pd = bus_->getEventLoopPollData();
    auto consider = [&](Clock::time_point t) {
        if (!d || t < *d) d = t;
    };
    if (auto rel = pd.getRelativeTimeout()) consider(Clock::now() + *rel);
    // The bus wants to write but the armed poll waits only for input: look again soon.
    if (pd.events & ~armed_events_) consider(Clock::now() + std::chrono::milliseconds(10));
    return d;
}

void DbusService::woke() {
    if (lost_) return;
    auto now = Clock::now();
    if (next_tick_ && now >= *next_tick_) tick();
    auto pd = bus_->getEventLoopPollData();
    auto rel = pd.getRelativeTimeout();
    if ((rel && *rel <= std::chrono::microseconds(0)) || (pd.events & ~armed_events_)) process();
}

void DbusService::publish() {
    if (lost_) return;
    for (const auto& t : daemon_.registry().all()) {
        if (transfers_.contains(t->id())) continue;
        transfers_.emplace(t->id(), std::make_unique<BusTransfer>(*bus_, t, *this));
        manager_->emitTransferNew(t->id(), sdbus::ObjectPath(transfer_path(t->id())));
    }
    if (!next_tick_ || *next_tick_ > Clock::now() + kTickInterval) {
        last_tick_ = Clock::now();
        next_tick_ = last_tick_ + kTickInterval;
    }
}

void DbusService::tick() {
    if (lost_) return;
    auto now = Clock::now();
    auto dt = now - last_tick_;
    last_tick_ = now;
    bool active = false;
    for (auto& [id, object] : transfers_) {
        if (object->settled()) continue;
        object->tick(dt);
        active = active || !object->settled();
    }
    bool totals_changed = manager_->tick();
    expire(now_us());
    if (active || totals_changed)
        next_tick_ = Clock::now() + kTickInterval;
    else
        next_tick_ = next_expiry();
    process();
}

void DbusService::expire(uint64_t now) {
    const uint64_t keep_us = daemon_.config().transfer.keep_finished * 1'000'000;
    for (auto it = transfers_.begin(); it != transfers_.end();) {
        const Transfer& t = it->second->transfer();
        if (!it->second->settled() || t.finished_at() + keep_us > now) {
            ++it;
            continue;
        }
        uint32_t id = t.id();
        std::string result = to_string(t.state());
        it = transfers_.erase(it);
        daemon_.registry().remove(id);
        manager_->emitTransferRemoved(id, sdbus::ObjectPath(transfer_path(id)), result);
    }
}

std::optional<DbusService::Clock::time_point> DbusService::next_expiry() const {
    std::optional<uint64_t> first;
    for (const auto& [id, object] : transfers_)
        if (object->settled()) {
            uint64_t at = object->transfer().finished_at() +
                          daemon_.config().transfer.keep_finished * 1'000'000;
            if (!first || at < *first) first = at;
        }
    if (!first) return std::nullopt;
    uint64_t now = now_us();
    return Clock::now() + std::chrono::microseconds(*first > now ? *first - now : 0);
}

} // namespace streamd

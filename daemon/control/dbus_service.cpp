#include "control/dbus_service.hpp"

#include "control/bus_caller.hpp"
#include "daemon.hpp"
#include "file_name.hpp"
#include "control/log.hpp"
#include "logcontrol_adaptor.hpp"
#include "manager_adaptor.hpp"
#include "transfer_adaptor.hpp"
#include "version.hpp"
#include "engine/worker.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

namespace streamd {

namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(250);
constexpr const char* kErrorPrefix = "org.streamd.Streamd1.Error.";
constexpr const char* kLogControlPath = "/org/freedesktop/LogControl1";

sdbus::Error bus_error(const char* name, const std::string& message) {
    return sdbus::Error(std::string(kErrorPrefix) + name, message);
}

std::string transfer_path(uint32_t id) {
    return std::string(kManagerPath) + "/transfer/" + std::to_string(id);
}

template <typename T>
T option(const std::map<std::string, sdbus::Variant>& options, const char* key, const char* type,
         T fallback) {
    auto it = options.find(key);
    if (it == options.end()) return fallback;
    if (!it->second.containsValueOfType<T>())
        throw bus_error("InvalidArgument",
                        std::string("option '") + key + "' must be of type " + type);
    return it->second.get<T>();
}

} // namespace

class DbusService::TransferObject
    : public sdbus::AdaptorInterfaces<org::streamd::Streamd1::Transfer_adaptor> {
public:
    TransferObject(sdbus::IConnection& bus, std::shared_ptr<Transfer> t, DbusService& service)
        : AdaptorInterfaces(bus, transfer_path(t->id())), t_(std::move(t)), service_(service),
          last_bytes_(t_->bytes_done()), last_state_(t_->state()) {
        registerAdaptor();
    }
    ~TransferObject() { unregisterAdaptor(); }

    const Transfer& transfer() const { return *t_; }
    bool settled() const { return settled_; }
    // 0 from the moment it ends, not from the next sample on.
    uint64_t rate() const { return t_->finished() ? 0 : static_cast<uint64_t>(rate_); }

    // Samples progress and announces what changed; the final state is announced once,
    // after which the object is settled.
    void tick(std::chrono::duration<double> dt) {
        auto state = t_->state();
        uint64_t bytes = t_->bytes_done();
        double instant = dt.count() > 0 ? static_cast<double>(bytes - last_bytes_) / dt.count() : 0;
        // Smooth over about a second so that the rate does not flicker at every tick.
        rate_ = Transfer::is_final(state) ? 0 : 0.5 * rate_ + 0.5 * instant;
        std::vector<std::string> changed;
        if (bytes != last_bytes_) changed.push_back("BytesDone");
        if (state != last_state_)
            changed.insert(changed.end(),
                           {"State", "Error", "StoredName", "StartedAt", "FinishedAt"});
        changed.insert(changed.end(), {"Rate", "Eta"});
        last_bytes_ = bytes;
        last_state_ = state;
        getObject().emitPropertiesChangedSignal(INTERFACE_NAME, changed);
        settled_ = Transfer::is_final(state);
    }

private:
    void Cancel() override {
        service_.cancel(t_->id(), getObject().getCurrentlyProcessedMessage());
    }

    uint32_t Id() override { return t_->id(); }
    std::string Direction() override { return to_string(t_->direction()); }
    std::string Name() override { return t_->name(); }
    std::string Peer() override { return t_->peer(); }
    uint64_t Size() override { return t_->size(); }
    uint32_t Streams() override { return t_->streams(); }
    uint32_t ChunkSize() override { return t_->chunk_size(); }
    uint64_t CreatedAt() override { return t_->created_at(); }
    std::string State() override { return to_string(t_->state()); }
    uint64_t BytesDone() override { return t_->bytes_done(); }
    uint64_t Rate() override { return rate(); }
    uint64_t Eta() override {
        uint64_t done = t_->bytes_done();
        if (t_->finished() || rate_ < 1 || done >= t_->size()) return 0;
        return static_cast<uint64_t>(static_cast<double>(t_->size() - done) / rate_ + 0.5);
    }
    std::string StoredName() override { return t_->stored_name(); }
    uint64_t StartedAt() override { return t_->started_at(); }
    uint64_t FinishedAt() override { return t_->finished_at(); }
    std::string Error() override { return t_->error(); }

    std::shared_ptr<Transfer> t_;
    DbusService& service_;
    uint64_t last_bytes_;
    TransferState last_state_;
    double rate_ = 0;
    bool settled_ = false;
};

class DbusService::ManagerObject
    : public sdbus::AdaptorInterfaces<org::streamd::Streamd1::Manager_adaptor> {
public:
    ManagerObject(sdbus::IConnection& bus, Daemon& daemon, DbusService& service)
        : AdaptorInterfaces(bus, kManagerPath), daemon_(daemon), service_(service) {
        registerAdaptor();
    }
    ~ManagerObject() { unregisterAdaptor(); }

    // Announces the totals that changed since the last call; true if any did.
    bool tick() {
        Totals now = daemon_.registry().totals();
        auto [in, out] = service_.rates();
        std::vector<std::string> changed;
        auto note = [&](const char* name, auto a, auto b) {
            if (a != b) changed.push_back(name);
        };
        note("BytesIn", now.bytes_in, last_.bytes_in);
        note("BytesOut", now.bytes_out, last_.bytes_out);
        note("TransfersDone", now.done, last_.done);
        note("TransfersFailed", now.failed, last_.failed);
        note("TransfersCanceled", now.canceled, last_.canceled);
        note("ActiveIn", now.active_in, last_.active_in);
        note("ActiveOut", now.active_out, last_.active_out);
        note("Queued", now.queued, last_.queued);
        note("RateIn", in, last_rate_in_);
        note("RateOut", out, last_rate_out_);
        last_ = now;
        last_rate_in_ = in;
        last_rate_out_ = out;
        if (changed.empty()) return false;
        getObject().emitPropertiesChangedSignal(INTERFACE_NAME, changed);
        return true;
    }

private:
    std::tuple<uint32_t, sdbus::ObjectPath>
    Send(const sdbus::UnixFd& fd, const std::string& destination,
         const std::map<std::string, sdbus::Variant>& options) override {
        service_.authorize(getObject().getCurrentlyProcessedMessage(), "send files");
        static const char* known[] = {"name", "streams", "chunk_size"};
        for (const auto& [key, value] : options)
            if (std::find_if(std::begin(known), std::end(known),
                             [&](const char* k) { return key == k; }) == std::end(known))
                throw bus_error("InvalidArgument", "unknown option '" + key + "'");

        SendRequest r;
        r.name = option<std::string>(options, "name", "s", "");
        if (r.name.empty()) throw bus_error("InvalidArgument", "option 'name' (s) is required");
        if (auto problem = proto::name_problem(r.name))
            throw bus_error("InvalidArgument", "invalid name '" + r.name + "': " + *problem);
        r.streams = option<uint32_t>(options, "streams", "u", 0);
        if (options.contains("streams") && (r.streams < 1 || r.streams > proto::kMaxStreams))
            throw bus_error("InvalidArgument",
                            "streams must be between 1 and " + std::to_string(proto::kMaxStreams));
        uint64_t chunk = option<uint64_t>(options, "chunk_size", "t", 0);
        if (options.contains("chunk_size") && !proto::valid_chunk_size(chunk))
            throw bus_error("InvalidArgument",
                            "chunk_size must be a multiple of 4096 between 64 KiB and 256 MiB");
        r.chunk_size = static_cast<uint32_t>(chunk);
        try {
            r.destination = parse_destination(destination, daemon_.config().listen.port == 0
                                                               ? kDefaultPort
                                                               : daemon_.config().listen.port);
        } catch (const std::invalid_argument& e) {
            throw bus_error("InvalidArgument", e.what());
        }
        // Our own copy: sdbus closes its descriptor when the message goes away.
        r.file.reset(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
        if (!r.file)
            throw bus_error("Failed", std::string("cannot take the file descriptor: ") +
                                          std::strerror(errno));
        uint32_t id;
        try {
            id = daemon_.send(std::move(r));
        } catch (const std::invalid_argument& e) {
            throw bus_error("InvalidArgument", e.what());
        } catch (const std::exception& e) {
            throw bus_error("Failed", e.what());
        }
        service_.publish();
        return {id, sdbus::ObjectPath(transfer_path(id))};
    }

    std::vector<sdbus::Struct<uint32_t, std::string, std::string, std::string, std::string,
                              uint64_t, uint64_t, uint64_t, std::string, sdbus::ObjectPath>>
    ListTransfers() override {
        std::vector<sdbus::Struct<uint32_t, std::string, std::string, std::string, std::string,
                                  uint64_t, uint64_t, uint64_t, std::string, sdbus::ObjectPath>>
            out;
        for (const auto& t : daemon_.registry().all()) {
            auto object = service_.transfers_.find(t->id());
            uint64_t rate = object == service_.transfers_.end() ? 0 : object->second->rate();
            out.emplace_back(t->id(), to_string(t->direction()), to_string(t->state()), t->name(),
                             t->peer(), t->size(), t->bytes_done(), rate, t->error(),
                             sdbus::ObjectPath(transfer_path(t->id())));
        }
        return out;
    }

    void CancelTransfer(const uint32_t& id) override {
        service_.cancel(id, getObject().getCurrentlyProcessedMessage());
    }

    void Reload() override {
        std::string who = service_.authorize(getObject().getCurrentlyProcessedMessage(),
                                             "reload the configuration");
        spdlog::info("reload asked for by {}", who);
        try {
            daemon_.reload();
        } catch (const ConfigError& e) {
            spdlog::error("configuration not reloaded: {}", e.what());
            throw bus_error("BadConfig", e.what());
        }
    }

    std::map<std::string, sdbus::Variant> GetStats() override {
        Totals t = daemon_.registry().totals();
        auto [in, out] = service_.rates();
        const auto& c = daemon_.config();
        return {
            {"BytesIn", sdbus::Variant(t.bytes_in)},
            {"BytesOut", sdbus::Variant(t.bytes_out)},
            {"TransfersDone", sdbus::Variant(t.done)},
            {"TransfersFailed", sdbus::Variant(t.failed)},
            {"TransfersCanceled", sdbus::Variant(t.canceled)},
            {"ActiveIn", sdbus::Variant(t.active_in)},
            {"ActiveOut", sdbus::Variant(t.active_out)},
            {"Queued", sdbus::Variant(t.queued)},
            {"RateIn", sdbus::Variant(in)},
            {"RateOut", sdbus::Variant(out)},
            {"MaxActive", sdbus::Variant(static_cast<uint32_t>(c.transfer.max_active))},
            {"KeepFinished", sdbus::Variant(c.transfer.keep_finished)},
            {"StartedAt", sdbus::Variant(daemon_.started_at())},
            {"Version", sdbus::Variant(std::string(STREAMD_VERSION))},
            {"ListenAddresses", sdbus::Variant(ListenAddresses())},
        };
    }

    std::string Version() override { return STREAMD_VERSION; }
    std::vector<std::string> ListenAddresses() override { return {daemon_.listen_address()}; }
    uint64_t BytesIn() override { return daemon_.registry().totals().bytes_in; }
    uint64_t BytesOut() override { return daemon_.registry().totals().bytes_out; }
    uint32_t TransfersDone() override { return daemon_.registry().totals().done; }
    uint32_t TransfersFailed() override { return daemon_.registry().totals().failed; }
    uint32_t TransfersCanceled() override { return daemon_.registry().totals().canceled; }
    uint32_t ActiveIn() override { return daemon_.registry().totals().active_in; }
    uint32_t ActiveOut() override { return daemon_.registry().totals().active_out; }
    uint32_t Queued() override { return daemon_.registry().totals().queued; }
    uint64_t RateIn() override { return service_.rates().first; }
    uint64_t RateOut() override { return service_.rates().second; }

    Daemon& daemon_;
    DbusService& service_;
    Totals last_;
    uint64_t last_rate_in_ = 0;
    uint64_t last_rate_out_ = 0;
};

class DbusService::LogControlObject
    : public sdbus::AdaptorInterfaces<org::freedesktop::LogControl1_adaptor> {
public:
    LogControlObject(sdbus::IConnection& bus, DbusService& service)
        : AdaptorInterfaces(bus, kLogControlPath), service_(service) {
        registerAdaptor();
    }
    ~LogControlObject() { unregisterAdaptor(); }

private:
    std::string LogLevel() override { return log_level(); }
    void LogLevel(const std::string& value) override {
        set(value, "change the log level", set_log_level, "level");
    }
    std::string LogTarget() override { return log_target(); }
    void LogTarget(const std::string& value) override {
        set(value, "change the log target", set_log_target, "target");
    }
    std::string SyslogIdentifier() override { return "streamd"; }

    void set(const std::string& value, const char* what, void (*apply)(std::string_view),
             const char* name) {
        std::string who = service_.authorize(getObject().getCurrentlyProcessedMessage(), what);
        try {
            apply(value);
        } catch (const std::invalid_argument& e) {
            throw bus_error("InvalidArgument", e.what());
        }
        spdlog::info("log {} set to {} by {}", name, value, who);
    }

    DbusService& service_;
};

DbusService::DbusService(Daemon& daemon, BusKind bus)
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
    manager_ = std::make_unique<ManagerObject>(*bus_, daemon, *this);
    log_control_ = std::make_unique<LogControlObject>(*bus_, *this);
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

std::pair<uint64_t, uint64_t> DbusService::rates() const {
    uint64_t in = 0, out = 0;
    for (const auto& [id, object] : transfers_)
        (object->transfer().direction() == Direction::In ? in : out) += object->rate();
    return {in, out};
}

void DbusService::attach(Worker& w) {
    worker_ = &w;
    poll_tag_ = w.handler_tag([this](int, uint32_t) {
        armed_events_ = 0;
        process();
    });
    w.set_timers([this] { return deadline(); }, [this] { after_wakeup(); });
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

void DbusService::arm_poll() {
    auto pd = bus_->getEventLoopPollData();
    io_uring_sqe* sqe = worker_->ring().sqe();
    io_uring_prep_poll_add(sqe, pd.fd, static_cast<unsigned>(pd.events));
    sqe->user_data = poll_tag_;
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

void DbusService::after_wakeup() {
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
        transfers_.emplace(t->id(), std::make_unique<TransferObject>(*bus_, t, *this));
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

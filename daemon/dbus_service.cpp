#include "dbus_service.hpp"

#include "daemon.hpp"
#include "file_name.hpp"
#include "manager_adaptor.hpp"
#include "transfer_adaptor.hpp"
#include "version.hpp"
#include "worker.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>

namespace streamd {

namespace {

constexpr auto kTickInterval = std::chrono::milliseconds(250);
constexpr const char* kErrorPrefix = "org.streamd.Streamd1.Error.";

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

class DbusService::ManagerObject
    : public sdbus::AdaptorInterfaces<org::streamd::Streamd1::Manager_adaptor> {
public:
    ManagerObject(sdbus::IConnection& bus, Daemon& daemon, DbusService& service)
        : AdaptorInterfaces(bus, kManagerPath), daemon_(daemon), service_(service) {
        registerAdaptor();
    }
    ~ManagerObject() { unregisterAdaptor(); }

private:
    std::tuple<uint32_t, sdbus::ObjectPath>
    Send(const sdbus::UnixFd& fd, const std::string& destination,
         const std::map<std::string, sdbus::Variant>& options) override {
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
        if (options.contains("chunk_size") &&
            (chunk < proto::kMinChunk || chunk > proto::kMaxChunk || chunk % 4096 != 0))
            throw bus_error("InvalidArgument",
                            "chunk_size must be a multiple of 4096 between 64 KiB and 256 MiB");
        r.chunk_size = static_cast<uint32_t>(chunk);
        try {
            r.destination = parse_destination(destination, daemon_.config().listen.port == 0
                                                               ? 7740
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
        } catch (const UnknownHost& e) {
            throw bus_error("UnknownHost", e.what());
        } catch (const std::invalid_argument& e) {
            throw bus_error("InvalidArgument", e.what());
        } catch (const std::exception& e) {
            throw bus_error("Failed", e.what());
        }
        service_.publish();
        return {id, sdbus::ObjectPath(transfer_path(id))};
    }

    std::vector<sdbus::Struct<uint32_t, std::string, std::string, std::string, std::string,
                              uint64_t, uint64_t, sdbus::ObjectPath>>
    ListTransfers() override {
        std::vector<sdbus::Struct<uint32_t, std::string, std::string, std::string, std::string,
                                  uint64_t, uint64_t, sdbus::ObjectPath>>
            out;
        for (const auto& t : daemon_.registry().all())
            out.emplace_back(t->id(), to_string(t->direction()), to_string(t->state()), t->name(),
                             t->peer(), t->size(), t->bytes_done(),
                             sdbus::ObjectPath(transfer_path(t->id())));
        return out;
    }

    std::string Version() override { return STREAMD_VERSION; }
    std::vector<std::string> ListenAddresses() override { return {daemon_.listen_address()}; }

    Daemon& daemon_;
    DbusService& service_;
};

class DbusService::TransferObject
    : public sdbus::AdaptorInterfaces<org::streamd::Streamd1::Transfer_adaptor> {
public:
    TransferObject(sdbus::IConnection& bus, std::shared_ptr<Transfer> t)
        : AdaptorInterfaces(bus, transfer_path(t->id())), t_(std::move(t)) {
        registerAdaptor();
        last_bytes_ = t_->bytes_done();
    }
    ~TransferObject() { unregisterAdaptor(); }

    // Samples progress and announces what changed; false once the final state is out.
    bool tick(std::chrono::duration<double> dt) {
        auto state = t_->state();
        uint64_t bytes = t_->bytes_done();
        double instant = dt.count() > 0 ? static_cast<double>(bytes - last_bytes_) / dt.count() : 0;
        // Smooth over about a second so that the rate does not flicker at every tick.
        rate_ = t_->finished() ? 0 : 0.5 * rate_ + 0.5 * instant;
        std::vector<std::string> changed;
        if (bytes != last_bytes_) changed.push_back("BytesDone");
        if (state != last_state_)
            changed.insert(changed.end(), {"State", "Error", "StoredName", "FinishedAt"});
        changed.push_back("Rate");
        last_bytes_ = bytes;
        last_state_ = state;
        getObject().emitPropertiesChangedSignal(INTERFACE_NAME, changed);
        return !t_->finished();
    }

private:
    uint32_t Id() override { return t_->id(); }
    std::string Direction() override { return to_string(t_->direction()); }
    std::string State() override { return to_string(t_->state()); }
    std::string Name() override { return t_->name(); }
    std::string Peer() override { return t_->peer(); }
    uint64_t Size() override { return t_->size(); }
    uint64_t BytesDone() override { return t_->bytes_done(); }
    uint64_t Rate() override { return static_cast<uint64_t>(rate_); }
    uint32_t Streams() override { return t_->streams(); }
    uint32_t ChunkSize() override { return t_->chunk_size(); }
    std::string StoredName() override { return t_->stored_name(); }
    std::string Error() override { return t_->error(); }
    uint64_t CreatedAt() override { return t_->created_at(); }
    uint64_t FinishedAt() override { return t_->finished_at(); }

    std::shared_ptr<Transfer> t_;
    uint64_t last_bytes_ = 0;
    TransferState last_state_ = TransferState::Connecting;
    double rate_ = 0;
};

DbusService::DbusService(Daemon& daemon, BusKind bus)
    : daemon_(daemon), bus_label_(bus == BusKind::Session ? "session bus" : "system bus") {
    try {
        bus_ = bus == BusKind::Session ? sdbus::createSessionBusConnection(kBusName)
                                       : sdbus::createSystemBusConnection(kBusName);
    } catch (const sdbus::Error& e) {
        throw std::runtime_error(std::string("cannot take the name ") + kBusName + " on the " +
                                 bus_label_ + ": " + e.getMessage() +
                                 " (is another streamd running?)");
    }
    manager_ = std::make_unique<ManagerObject>(*bus_, daemon, *this);
}

DbusService::~DbusService() = default;

void DbusService::attach(Worker& w) {
    worker_ = &w;
    poll_tag_ = w.handler_tag([this](int, uint32_t) {
        armed_events_ = 0;
        process();
    });
    w.set_timers([this] { return deadline(); }, [this] { after_wakeup(); });
    process();
    spdlog::info("serving {} on the {}", kBusName, bus_label_);
}

void DbusService::process() {
    while (bus_->processPendingRequest()) {
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
    auto now = Clock::now();
    if (next_tick_ && now >= *next_tick_) tick();
    auto pd = bus_->getEventLoopPollData();
    auto rel = pd.getRelativeTimeout();
    if ((rel && *rel <= std::chrono::microseconds(0)) || (pd.events & ~armed_events_)) process();
}

void DbusService::publish() {
    for (const auto& t : daemon_.registry().all()) {
        if (!transfers_.contains(t->id()))
            transfers_.emplace(t->id(), std::make_unique<TransferObject>(*bus_, t));
    }
    if (!next_tick_) {
        last_tick_ = Clock::now();
        next_tick_ = last_tick_ + kTickInterval;
    }
}

void DbusService::tick() {
    auto now = Clock::now();
    auto dt = now - last_tick_;
    last_tick_ = now;
    bool active = false;
    for (auto& [id, object] : transfers_)
        if (!settled_.contains(id)) {
            if (object->tick(dt))
                active = true;
            else
                settled_.insert(id);
        }
    next_tick_ = active ? std::optional(Clock::now() + kTickInterval) : std::nullopt;
    process();
}

} // namespace streamd

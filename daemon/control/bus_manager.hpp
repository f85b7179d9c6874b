// The manager object on the bus: /org/streamd/Streamd1, interface
// org.streamd.Streamd1.Manager (docs/DBUS.md). What comes in is checked here, at the
// boundary; the daemon does the rest.
#pragma once

#include "control/bus_names.hpp"
#include "control/daemon_control.hpp"
#include "control/dbus_service.hpp"
#include "file_name.hpp"
#include "manager_adaptor.hpp"
#include "size_units.hpp"
#include "transfer/transfer.hpp"
#include "tree_manifest.hpp"
#include "version.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sdbus-c++/sdbus-c++.h>
#include <spdlog/spdlog.h>
#include <string>
#include <tuple>
#include <vector>

namespace streamd {

namespace bus_options {
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

} // namespace bus_options

class BusManager final : public sdbus::AdaptorInterfaces<org::streamd::Streamd1::Manager_adaptor> {
public:
    BusManager(sdbus::IConnection& bus, DaemonControl& daemon, DbusService& service)
        : AdaptorInterfaces(bus, kManagerPath), daemon_(daemon), service_(service) {
        registerAdaptor();
    }
    ~BusManager() { unregisterAdaptor(); }

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
    // What Send and SendTree share: the options, the destination, the caller's files.
    struct SendOptions {
        std::string name;
        unsigned streams = 0;
        uint32_t chunk_size = 0;
        uint64_t max_rate = 0;
        Destination destination;
    };

    static void only_known(const std::map<std::string, sdbus::Variant>& options,
                           std::initializer_list<std::string_view> known) {
        for (const auto& [key, value] : options)
            if (std::find(known.begin(), known.end(), key) == known.end())
                throw bus_error("InvalidArgument", "unknown option '" + key + "'");
    }
    static std::string bare_name(const std::string& name, const char* what) {
        if (auto problem = proto::name_problem(name))
            throw bus_error("InvalidArgument",
                            std::string("invalid ") + what + " '" + name + "': " + *problem);
        return name;
    }
    static unsigned streams_option(const std::map<std::string, sdbus::Variant>& options) {
        const uint32_t streams = bus_options::option<uint32_t>(options, "streams", "u", 0);
        if (options.contains("streams") && (streams < 1 || streams > proto::kMaxStreams))
            throw bus_error("InvalidArgument",
                            "streams must be between 1 and " + std::to_string(proto::kMaxStreams));
        return streams;
    }
    static uint32_t chunk_size_option(const std::map<std::string, sdbus::Variant>& options) {
        const uint64_t chunk = bus_options::option<uint64_t>(options, "chunk_size", "t", 0);
        if (options.contains("chunk_size") && !proto::valid_chunk_size(chunk))
            throw bus_error("InvalidArgument",
                            "chunk_size must be a multiple of 4096 between 64 KiB and 256 MiB");
        return static_cast<uint32_t>(chunk);
    }
    // "HOST[:PORT]", the port this daemon's own when left out.
    Destination peer_of(const std::string& text) const {
        try {
            return parse_destination(text, daemon_.config().listen.port == 0
                                               ? kDefaultPort
                                               : daemon_.config().listen.port);
        } catch (const std::invalid_argument& e) {
            throw bus_error("InvalidArgument", e.what());
        }
    }

    SendOptions send_options(const std::string& destination,
                             const std::map<std::string, sdbus::Variant>& options) const {
        only_known(options, {"name", "streams", "chunk_size", "max_rate"});
        SendOptions r;
        r.name = bus_options::option<std::string>(options, "name", "s", "");
        if (r.name.empty()) throw bus_error("InvalidArgument", "option 'name' (s) is required");
        bare_name(r.name, "name");
        r.streams = streams_option(options);
        r.chunk_size = chunk_size_option(options);
        r.max_rate = bus_options::option<uint64_t>(options, "max_rate", "t", 0);
        if (!proto::valid_rate(r.max_rate))
            throw bus_error("InvalidArgument", "max_rate must be 0 (no limit) or at least " +
                                                   std::to_string(proto::kMinRate) +
                                                   " bytes per second");
        r.destination = peer_of(destination);
        return r;
    }

    // SendTree's "skipped", taken out of `options`: what the caller left out of the folder.
    static std::vector<Transfer::Skipped>
    skipped_option(std::map<std::string, sdbus::Variant>& options) {
        using Entries = std::vector<sdbus::Struct<std::string, std::string>>;
        const auto given = bus_options::option<Entries>(options, "skipped", "a(ss)", {});
        options.erase("skipped");
        if (given.size() > proto::kMaxTreeEntries)
            throw bus_error("InvalidArgument", "option 'skipped' lists more than " +
                                                   std::to_string(proto::kMaxTreeEntries) +
                                                   " entries");
        std::vector<Transfer::Skipped> out;
        out.reserve(given.size());
        for (const auto& entry : given) {
            const std::string& path = std::get<0>(entry);
            const std::string& reason = std::get<1>(entry);
            if (path.size() > proto::kMaxTreePath || reason.size() > kMaxSkipReason)
                throw bus_error("InvalidArgument", "option 'skipped' holds an entry too long");
            out.push_back({path, reason});
        }
        return out;
    }
    static constexpr size_t kMaxSkipReason = 1024;

    // Our own copy: sdbus closes its descriptor when the message goes away.
    static UniqueFd take(const sdbus::UnixFd& fd) {
        UniqueFd own(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
        if (!own)
            throw bus_error("Failed", std::string("cannot take the file descriptor: ") +
                                          std::strerror(errno));
        return own;
    }
    static std::vector<UniqueFd> take(const std::vector<sdbus::UnixFd>& fds) {
        std::vector<UniqueFd> own;
        own.reserve(fds.size());
        for (const auto& fd : fds)
            own.push_back(take(fd));
        return own;
    }

    // Runs a daemon call that queues, with its failures as the bus's errors.
    template <typename Call> static auto queue(Call&& call) {
        try {
            return call();
        } catch (const std::invalid_argument& e) {
            throw bus_error("InvalidArgument", e.what());
        } catch (const std::exception& e) {
            throw bus_error("Failed", e.what());
        }
    }

    std::tuple<uint32_t, sdbus::ObjectPath>
    Send(const sdbus::UnixFd& fd, const std::string& destination,
         const std::map<std::string, sdbus::Variant>& options) override {
        service_.authorize(getObject().getCurrentlyProcessedMessage(), "send files");
        SendOptions o = send_options(destination, options);
        SendRequest r{take(fd),          std::move(o.destination),
                      std::move(o.name), o.streams,
                      o.chunk_size,      o.max_rate};
        const uint32_t id = queue([&] { return daemon_.send(std::move(r)); });
        service_.publish();
        return {id, sdbus::ObjectPath(transfer_path(id))};
    }

    std::tuple<uint32_t, sdbus::ObjectPath>
    SendTree(const sdbus::UnixFd& folder, const std::vector<uint8_t>& manifest,
             const std::vector<sdbus::UnixFd>& files, const std::string& destination,
             const std::map<std::string, sdbus::Variant>& options) override {
        const auto* call = getObject().getCurrentlyProcessedMessage();
        service_.authorize(call, "send files");
        auto rest = options;
        auto skipped = skipped_option(rest);
        SendOptions o = send_options(destination, rest);
        TreeRequest r{take(folder),      manifest,          take(files),  std::move(o.destination),
                      std::move(o.name), o.streams,         o.chunk_size, o.max_rate,
                      call->getSender(), std::move(skipped)};
        const uint32_t id = queue([&] { return daemon_.send_tree(std::move(r)); });
        service_.publish();
        return {id, sdbus::ObjectPath(transfer_path(id))};
    }

    void Get(sdbus::Result<uint32_t, sdbus::ObjectPath>&& result, std::string source,
             std::string name, std::map<std::string, sdbus::Variant> options) override {
        service_.authorize(getObject().getCurrentlyProcessedMessage(), "fetch files");
        only_known(options, {"as", "streams", "chunk_size"});
        GetRequest r{peer_of(source), bare_name(name, "name"),
                     bus_options::option<std::string>(options, "as", "s", ""),
                     streams_option(options), chunk_size_option(options)};
        if (options.contains("as")) bare_name(r.as, "name to store it as");
        const std::string what = "cannot fetch '" + name + "' from " + r.source.to_string() + ": ";
        // The answer waits for the peer; the bus goes on meanwhile.
        auto reply =
            std::make_shared<sdbus::Result<uint32_t, sdbus::ObjectPath>>(std::move(result));
        daemon_.get(std::move(r), [this, reply, what](uint32_t id, const std::string& error) {
            if (id == 0) return reply->returnError(bus_error("Failed", what + error));
            service_.publish();
            reply->returnResults(id, sdbus::ObjectPath(transfer_path(id)));
        });
    }

    void AddFiles(const uint32_t& id, const std::vector<sdbus::UnixFd>& files) override {
        const auto* call = getObject().getCurrentlyProcessedMessage();
        queue([&] { daemon_.add_files(id, call->getSender(), take(files)); });
        service_.publish();
    }

    std::vector<sdbus::Struct<uint32_t, std::string, std::string, std::string, std::string,
                              uint64_t, uint64_t, uint64_t, std::string, sdbus::ObjectPath>>
    ListTransfers() override {
        std::vector<sdbus::Struct<uint32_t, std::string, std::string, std::string, std::string,
                                  uint64_t, uint64_t, uint64_t, std::string, sdbus::ObjectPath>>
            out;
        for (const auto& t : daemon_.registry().all()) {
            const uint64_t rate = service_.rate_of(t->id());
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
        const TlsContexts& tls = daemon_.tls();
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
            {"MaxRate", sdbus::Variant(c.transfer.max_rate)},
            {"KeepFinished", sdbus::Variant(c.transfer.keep_finished)},
            {"StartedAt", sdbus::Variant(daemon_.started_at())},
            {"Version", sdbus::Variant(std::string(STREAMD_VERSION))},
            {"ListenAddresses", sdbus::Variant(ListenAddresses())},
            {"Tls", sdbus::Variant(std::string(to_string(tls.mode())))},
            {"TlsCertificate", sdbus::Variant(tls.certificate().string())},
            {"TlsFingerprint", sdbus::Variant(tls.fingerprint())},
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

    DaemonControl& daemon_;
    DbusService& service_;
    Totals last_;
    uint64_t last_rate_in_ = 0;
    uint64_t last_rate_out_ = 0;
};

} // namespace streamd

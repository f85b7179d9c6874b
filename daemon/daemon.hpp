// streamd itself: the layers wired together. It runs the workers and gives each layer
// the seam it asks for: the engine's events, the port's protocols, the transfers'
// daemon and the control plane's.
#pragma once

#include "config/config.hpp"
#include "config/live_settings.hpp"
#include "config/tls_contexts.hpp"
#include "control/daemon_control.hpp"
#include "control/service_manager.hpp"
#include "engine/worker.hpp"
#include "port/admission.hpp"
#include "port/arrival.hpp"
#include "port/listener.hpp"
#include "storage/storage.hpp"
#include "transfer/outgoing_scheduler.hpp"
#include "transfer/pull_requests.hpp"
#include "transfer/transfer_registry.hpp"
#include "transfer/transfers.hpp"
#include "unique_fd.hpp"
#include "web/metrics_text.hpp"
#include "web/tus_uploads.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace streamd {

class DbusService;

class Daemon final : public WorkerEvents,
                     public Protocols,
                     public Transfers,
                     public DaemonControl,
                     public MetricsSource {
public:
    // `config_path` is the file `config` came from, re-read by reload(); empty when
    // the built-in defaults are in use. Throws std::system_error or std::runtime_error
    // with a message for the user.
    Daemon(Config config, std::filesystem::path config_path, BusKind bus);
    ~Daemon();

    // Serves until SIGTERM or SIGINT; returns the exit status.
    int run();

private:
    // WorkerEvents, each on the worker's own thread.
    void started(Worker& w) override;
    void accepted(Worker& w, UniqueFd socket) override;
    void swept(Worker& w, Clock::time_point now) override;
    void signalled(int signo) override;

    // Protocols
    void native(Worker& w, Arrival arrival) override;
    void http(Worker& w, Arrival arrival) override;

    // Transfers, any thread.
    TransferRegistry& registry() override { return registry_; }
    const Storage& storage() const override { return storage_; }
    const LiveSettings& settings() const override { return settings_; }
    const TlsContexts& tls() const override { return tls_; }
    RateLimit& send_limit() override { return send_limit_; }
    std::shared_ptr<IncomingTransfer> accept_offer(const proto::Offer& offer,
                                                   const std::string& peer) override;
    std::shared_ptr<IncomingTransfer> accept_tree(const proto::Offer& offer,
                                                  proto::TreeManifest manifest,
                                                  const std::string& peer) override;
    void serve_pull(const proto::Pull& pull, const sockaddr* from) override;
    void close_transfer(uint32_t id) override;
    void start_streams(const std::shared_ptr<OutgoingTransfer>& t, uint16_t first,
                       uint16_t count) override;
    void let_streams_join(const std::shared_ptr<OutgoingTransfer>& t) override;
    void streams_gone(std::shared_ptr<OutgoingTransfer> t) override;
    void send_cancel_notice(std::shared_ptr<OutgoingTransfer> t) override;
    void on_control_thread(std::function<void()> task) override;

    // DaemonControl, on the control thread.
    const Config& config() const override { return config_; }
    const std::string& listen_address() const override { return listener_.address; }
    uint64_t started_at() const override { return started_at_; }
    uint32_t send(SendRequest request) override;
    uint32_t send_tree(TreeRequest request) override;
    void add_files(uint32_t id, const std::string& owner, std::vector<UniqueFd> files) override;
    void get(GetRequest request,
             std::function<void(uint32_t id, const std::string& error)> done) override;
    CancelOutcome cancel(uint32_t id, const std::string& reason) override;
    std::vector<std::string> reload() override;
    void fail(const std::string& why) override;

    // MetricsSource, any thread.
    MetricsSnapshot metrics() const override;

    void stop();
    // Announces new transfers on the bus.
    void transfer_added();
    // Worker 0, about once a second.
    void tick(Clock::time_point now);
    // The serving daemon's answer to a PULL this daemon sent; any thread.
    void pull_answered(const proto::TransferId& id, const std::string& refusal);
    // Queues what a peer asked for with `queue`, which returns its id, and says so.
    void serve_pulled(const std::string& name, const Destination& to,
                      const std::function<uint32_t()>& queue);
    // accept_offer() and accept_tree(): `admit`, and the answer to the fetch that asked
    // for the offered transfer, if one did.
    std::shared_ptr<IncomingTransfer>
    admit_pulled(const proto::Offer& offer,
                 const std::function<std::shared_ptr<IncomingTransfer>()>& admit);
    // accept_offer() and accept_tree().
    std::shared_ptr<IncomingTransfer> admit(const proto::Offer& offer,
                                            std::optional<proto::TreeManifest> manifest,
                                            const std::string& peer);

    Config config_;
    const std::filesystem::path config_path_;
    const uint64_t started_at_;
    LiveSettings settings_;
    TlsContexts tls_;
    Storage storage_;
    Listener listener_;
    const uint16_t listen_port_;
    TransferRegistry registry_;
    // Between the registry and the workers: its uploads' requests give their leases back as
    // the workers go, and it hands their transfers back to the registry as it goes.
    TusUploads tus_{*this};
    AdmissionCounter admissions_{settings_};
    RateLimit send_limit_{config_.transfer.max_rate};
    ServiceManager service_manager_{listener_.address};
    Clock::time_point next_expiry_{}; // control thread only
    UniqueFd signal_fd_; // before the scheduler, whose resolver thread must inherit the mask
    std::unique_ptr<DbusService> dbus_;
    // Its requests hold the bus calls that await them, and the workers' connections answer
    // them: it goes after the workers and before the bus.
    PullRequests pulls_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> stopping_{false};
    int exit_status_ = 0;
    // Its lookups report to worker 0, so it goes before the workers do.
    OutgoingScheduler scheduler_;
};

} // namespace streamd

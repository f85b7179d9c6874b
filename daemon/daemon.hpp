// streamd itself: the workers and what they share (configuration, storage, the
// transfer registry, the listening socket), and the control plane on worker 0.
#pragma once

#include "config/config.hpp"
#include "engine/destination.hpp"
#include "port/listener.hpp"
#include "transfer/outgoing_state.hpp"
#include "transfer/outgoing_transfer.hpp"
#include "engine/resolver.hpp"
#include "config/secret_key.hpp"
#include "storage/storage.hpp"
#include "transfer/transfer_queue.hpp"
#include "transfer/transfer_registry.hpp"
#include "unique_fd.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <sys/signalfd.h>
#include <vector>

namespace streamd {

class DbusService;
class Worker;

struct SendRequest {
    UniqueFd file;
    Destination destination;
    std::string name;
    unsigned streams = 0;    // 0: from the configuration
    uint32_t chunk_size = 0; // 0: from the configuration
};

enum class CancelOutcome { Canceled, NoSuchTransfer, AlreadyFinished };

class Daemon {
public:
    // `config_path` is the file `config` came from, re-read by reload(); empty when
    // the built-in defaults are in use. Throws std::system_error or std::runtime_error
    // with a message for the user.
    Daemon(Config config, std::filesystem::path config_path, BusKind bus);
    ~Daemon();

    // Serves until SIGTERM or SIGINT; returns the exit status.
    int run();

    const Config& config() const { return config_; }
    TransferRegistry& registry() { return registry_; }
    const Storage& storage() const { return storage_; }
    const std::string& listen_address() const { return listener_.address; }

    bool use_splice() const { return use_splice_; }
    // Any thread: the limits in force (a reload may change them).
    Config::Limits limits() const;
    // Any thread: the key in force, null when there is none (a reload may change it).
    std::shared_ptr<const SecretKey> secret_key() const;
    // Any thread: whether HTTP requests are served (a reload may change it).
    bool web_enabled() const { return web_enabled_; }
    // Counts a connection from `address` (an IP, no port); false when that address
    // has all it may hold. Every admitted connection is let go with release(), which
    // an Admission does when it ends.
    bool admit(const std::string& address);
    void release(const std::string& address);
    // Logs, once, that a splice was refused and copying took over.
    void note_copy_fallback(const char* what);

    // Control thread only, from here to the next comment.
    // Queues a transfer. Throws std::invalid_argument, std::system_error.
    uint32_t send(SendRequest request);
    // `reason` becomes the transfer's error, e.g. "canceled by root".
    CancelOutcome cancel(uint32_t id, const std::string& reason);
    // Re-reads the configuration file and applies what can change while running.
    // Throws ConfigError and then changes nothing; returns the changed settings that
    // need a restart and were left as they were.
    std::vector<std::string> reload();
    // Microseconds since the Unix epoch.
    uint64_t started_at() const { return started_at_; }

    // Any thread.
    void start_streams(const std::shared_ptr<OutgoingTransfer>& t, uint16_t first, uint16_t count);
    void close_transfer(uint32_t id);
    void transfer_added();
    // Takes an incoming transfer, from a peer or a browser, with one stream attached;
    // an earlier attempt still running is taken over. Throws Refusal.
    std::shared_ptr<IncomingTransfer> accept_offer(const proto::Offer& offer,
                                                   const std::string& peer);
    // The last stream of an unfinished outgoing transfer is gone: its connection was
    // lost, and it tries again after a pause, or fails when it has tried enough.
    void streams_gone(std::shared_ptr<OutgoingTransfer> t);

    // Called by each worker on its own thread once its ring exists.
    void worker_started(Worker& w);
    // Worker 0, about once a second.
    void tick(std::chrono::steady_clock::time_point now);
    // Worker 0: the daemon cannot go on (its bus is gone); it stops as on SIGTERM and
    // exits with status 1.
    void fail(const std::string& why);

private:
    void arm_accept(Worker& w);
    void on_accept(Worker& w, int res, uint32_t flags);
    void rearm_accept_if_needed(Worker& w, uint32_t flags);
    void arm_signals(Worker& w);
    void on_signal(int signo);
    void stop();
    void start_waiting();
    void transfer_ended(uint32_t id);
    void schedule_reconnect(const std::shared_ptr<OutgoingTransfer>& t);
    void enqueue(const std::shared_ptr<OutgoingTransfer>& t);
    // Queues again what the state folder says was unfinished at the last stop.
    void pick_up_saved_transfers();
    // STATUS= when it changed, and WATCHDOG=1 when due and every worker's loop still turns.
    void tell_service_manager(std::chrono::steady_clock::time_point now);

    Config config_;
    const std::filesystem::path config_path_;
    const uint64_t started_at_;
    Storage storage_;
    OutgoingState state_;
    Listener listener_;
    TransferRegistry registry_;
    TransferQueue queue_;
    struct Reconnect {
        std::shared_ptr<OutgoingTransfer> transfer;
        std::chrono::steady_clock::time_point due;
    };
    std::vector<Reconnect> reconnects_;                   // control thread only
    std::chrono::steady_clock::time_point next_expiry_{}; // control thread only
    const std::optional<std::chrono::microseconds> watchdog_;
    std::chrono::steady_clock::time_point next_watchdog_{}; // control thread only
    std::string service_status_;                            // control thread only
    bool use_splice_ = false;
    std::atomic<bool> copy_logged_{false};
    mutable std::mutex limits_mutex_; // guards the three below
    Config::Limits limits_;
    std::map<std::string, unsigned> connections_by_address_;
    std::shared_ptr<const SecretKey> secret_key_;
    std::atomic<bool> web_enabled_;
    UniqueFd signal_fd_; // before resolver_, whose thread must inherit the signal mask
    signalfd_siginfo signal_info_{};
    std::vector<uint64_t> accept_tags_; // by worker index, each written by its own worker
    uint64_t signal_tag_ = 0;
    std::unique_ptr<DbusService> dbus_;
    std::vector<std::unique_ptr<Worker>> workers_;
    std::atomic<bool> stopping_{false};
    int exit_status_ = 0;
    // Its lookups report to worker 0, so it goes before the workers do.
    Resolver resolver_;
};

} // namespace streamd

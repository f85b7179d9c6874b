#include "daemon.hpp"

#include "control/dbus_service.hpp"
#include "engine/destination.hpp"
#include "engine/io_ring.hpp"
#include "file_name.hpp"
#include "native/pull_request.hpp"
#include "native/receive_stream.hpp"
#include "native/send_stream.hpp"
#include "port/first_bytes.hpp"
#include "size_units.hpp"
#include "storage/received_files.hpp"
#include "storage/received_tree.hpp"
#include "transfer/transfer_log.hpp"
#include "version.hpp"
#include "web/http_connection.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <system_error>
#include <thread>

namespace streamd {

namespace {

// A peer that agreed to send what this daemon asked for opens its first stream at once,
// unless its own queue holds it back.
constexpr std::chrono::seconds kOfferWait{60};

uint16_t port_of(int listening) {
    sockaddr_storage addr{};
    socklen_t length = sizeof addr;
    if (::getsockname(listening, reinterpret_cast<sockaddr*>(&addr), &length) != 0) return 0;
    return addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
}

unsigned worker_count(const Config& c) {
    if (c.engine.workers > 0) return c.engine.workers;
    return std::max(1u, std::thread::hardware_concurrency());
}

void log_peer_policy(const SecretKey* key) {
    if (key)
        spdlog::info("peers must authenticate with the key from {}", key->path().string());
    else
        spdlog::info("no peer keys: transfers are accepted from loopback addresses only");
}

void log_tls(const TlsContexts& tls) {
    if (tls.mode() == TlsMode::Off) {
        spdlog::info("TLS is off ([tls] mode = \"off\"): every connection is in the clear");
        return;
    }
    const char* mode = tls.mode() == TlsMode::Required ? "required" : "on (auto)";
    if (tls.kernel_tls() == "available")
        spdlog::info("TLS {}: sending to peers through the kernel's TLS, the rest in user space",
                     mode);
    else
        spdlog::info("TLS {}: encrypting in user space (kernel TLS: {})", mode, tls.kernel_tls());
    spdlog::info("certificate for browsers: {}{}, SHA-256 fingerprint {}",
                 tls.certificate().string(),
                 tls.renewed()       ? " (self-signed, renewed: the old one was expiring)"
                 : tls.self_signed() ? " (self-signed)"
                                     : "",
                 tls.fingerprint());
}

// The signals the daemon handles, blocked and read from a descriptor instead. Done
// before any thread starts (the resolver's is the first), so that every thread
// inherits the mask and none can be killed by a signal meant for the loop.
UniqueFd take_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC));
    if (!fd) throw std::system_error(errno, std::generic_category(), "signalfd");
    return fd;
}

// Refuses to start without io_uring, and learns once which data path it offers.
bool probe_splice() {
    try {
        IoRing probe(8);
        const bool splice = probe.supports(IORING_OP_SPLICE);
        spdlog::info("io_uring set up ({}); data path: {}", probe.setup_description(),
                     splice ? "splice (zero-copy)" : "read/write copy (no splice)");
        return splice;
    } catch (const std::system_error& e) {
        throw std::runtime_error(std::string("io_uring is not available: ") + e.code().message() +
                                 " (check kernel.io_uring_disabled and seccomp filters)");
    }
}

} // namespace

Daemon::Daemon(Config config, std::filesystem::path config_path, BusKind bus)
    : config_(std::move(config)), config_path_(std::move(config_path)), started_at_(now_us()),
      settings_(config_), tls_(config_, settings_), storage_(config_.storage),
      listener_(open_listener(config_.listen)), listen_port_(port_of(listener_.fd.get())),
      signal_fd_(take_signals()), scheduler_(*this, config_.transfer, config_.storage) {
    const WorkerSettings engine{config_.engine.pipe_size, probe_splice()};
    dbus_ = std::make_unique<DbusService>(*this, bus);
    const unsigned n = worker_count(config_);
    for (unsigned i = 0; i < n; ++i)
        workers_.push_back(std::make_unique<Worker>(*this, i, engine));
}

Daemon::~Daemon() = default;

int Daemon::run() {
    std::vector<std::jthread> threads;
    for (size_t i = 1; i < workers_.size(); ++i) {
        threads.emplace_back([this, i] {
            try {
                workers_[i]->run();
            } catch (const std::exception& e) {
                spdlog::critical("worker {} stopped: {}", i, e.what());
                std::abort();
            }
        });
    }
    try {
        workers_[0]->run();
    } catch (const std::exception& e) {
        // The other workers stop too, rather than keep the process alive without the
        // worker that handles signals.
        spdlog::critical("worker 0 stopped: {}", e.what());
        exit_status_ = 1;
        stop();
    }
    threads.clear(); // joins
    spdlog::info("stopped");
    return exit_status_;
}

void Daemon::fail(const std::string& why) {
    spdlog::error("{}; stopping", why);
    exit_status_ = 1;
    stop();
}

MetricsSnapshot Daemon::metrics() const {
    MetricsSnapshot m{.transfers = registry_.stats(),
                      .started_at = static_cast<double>(started_at_) / 1e6,
                      .version = STREAMD_VERSION};
    for (const auto& w : workers_)
        m.connections += w->connections();
    return m;
}

void Daemon::stop() {
    if (stopping_.exchange(true)) return;
    service_manager_.stopping();
    for (auto& w : workers_)
        w->post([](Worker& self) { self.stop(); });
}

// ---- the workers ----------------------------------------------------------------------

void Daemon::started(Worker& w) {
    w.listen(listener_.fd.get());
    if (w.index() != 0) return;
    w.watch_signals(signal_fd_.get());
    dbus_->attach(w);
    scheduler_.pick_up_saved();
    dbus_->publish(); // what was picked up, on the bus like what is sent from now on
    spdlog::info("streamd {} listening on {}{} with {} worker{}, receiving into {}",
                 STREAMD_VERSION, listener_.address,
                 listener_.from_service_manager ? " (a socket from the service manager)" : "",
                 workers_.size(), workers_.size() == 1 ? "" : "s", storage_.path().string());
    log_peer_policy(settings_.secret_key().get());
    log_tls(tls_);
    service_manager_.ready();
}

void Daemon::accepted(Worker& w, UniqueFd socket) {
    accept_connection(w, std::move(socket), admissions_, *this, settings_, tls_);
}

void Daemon::swept(Worker& w, Clock::time_point now) {
    if (w.index() == 0 && !stopping_) tick(now);
}

void Daemon::signalled(int signo) {
    if (signo == SIGHUP) {
        try {
            reload();
        } catch (const ConfigError& e) {
            spdlog::error("configuration not reloaded: {}", e.what());
        }
        return;
    }
    spdlog::info("{} received, stopping", strsignal(signo));
    stop();
}

void Daemon::tick(Clock::time_point now) {
    if (const uint64_t ttl = config_.storage.partial_ttl; ttl != 0 && now >= next_expiry_) {
        if (unsigned n = storage_.expire_partials(ttl))
            spdlog::info("removed {} partial file{} untouched for {} s", n, n == 1 ? "" : "s", ttl);
        // Often enough that nothing outlives its time by much more than a quarter of it.
        next_expiry_ = now + std::chrono::seconds(std::clamp<uint64_t>(ttl / 4, 1, 600));
    }
    scheduler_.tick(now);
    for (auto& done : pulls_.take_overdue(now))
        done(0, "it agreed to send, but nothing came within " + std::to_string(kOfferWait.count()) +
                    " s; can it reach this daemon at its port?");
    tus_.expire(now, settings_.limits().idle_timeout);
    const Totals totals = registry_.totals();
    const auto [rate_in, rate_out] = dbus_->rates();
    Clock::time_point oldest_sweep = now;
    for (const auto& worker : workers_)
        oldest_sweep = std::min(oldest_sweep, worker->swept_at());
    service_manager_.tick(now, {totals.active_in, totals.active_out, rate_in, rate_out},
                          oldest_sweep);
}

// ---- the protocols on the port --------------------------------------------------------

void Daemon::native(Worker& w, Arrival arrival) {
    w.adopt(std::make_unique<ReceiveStream>(w, *this, std::move(arrival)));
}

void Daemon::http(Worker& w, Arrival arrival) {
    w.adopt(std::make_unique<HttpConnection>(w, *this, tus_, *this, std::move(arrival)));
}

// ---- transfers ------------------------------------------------------------------------

std::shared_ptr<IncomingTransfer> Daemon::accept_offer(const proto::Offer& offer,
                                                       const std::string& peer) {
    return admit_pulled(offer, [&] { return admit(offer, std::nullopt, peer); });
}

std::shared_ptr<IncomingTransfer> Daemon::accept_tree(const proto::Offer& offer,
                                                      proto::TreeManifest manifest,
                                                      const std::string& peer) {
    return admit_pulled(offer, [&] { return admit(offer, std::move(manifest), peer); });
}

std::shared_ptr<IncomingTransfer>
Daemon::admit_pulled(const proto::Offer& offer,
                     const std::function<std::shared_ptr<IncomingTransfer>()>& admit) {
    std::shared_ptr<IncomingTransfer> t;
    try {
        t = admit();
    } catch (const Refusal& r) {
        if (auto done = pulls_.take(offer.id))
            on_control_thread([done = std::move(*done), why = r.message] {
                done(0, "it came, and this daemon refused it: " + why);
            });
        throw;
    }
    // What this daemon asked for has come: the bus knows of it (transfer_added(), posted
    // before this) when the asking call hears its id.
    if (auto done = pulls_.take(offer.id))
        on_control_thread([done = std::move(*done), id = t->id()] { done(id, {}); });
    return t;
}

std::shared_ptr<IncomingTransfer> Daemon::admit(const proto::Offer& offer,
                                                std::optional<proto::TreeManifest> manifest,
                                                const std::string& peer) {
    if (auto earlier = registry_.find_incoming(offer.id)) {
        // The sender reconnected before this end noticed that the old streams broke.
        earlier->hand_over();
        if (earlier->fail(Failure::Connection, "the sender reconnected"))
            close_transfer(earlier->id());
        registry_.forget_incoming(offer.id);
    }
    if (unsigned most = settings_.limits().max_incoming;
        most != 0 && registry_.incoming_count() >= most)
        throw Refusal{proto::ErrorCode::Busy, "the receiver takes " + std::to_string(most) +
                                                  " transfers at once and is at that limit; "
                                                  "try again later"};
    auto t = std::make_shared<IncomingTransfer>(registry_.next_id(), offer, peer, storage_,
                                                std::move(manifest));
    t->attach_stream();
    if (!registry_.add_incoming(offer.id, t))
        throw Refusal{proto::ErrorCode::BadFrame, "transfer id is already in use"};
    transfer_added();
    log_transfer(spdlog::level::info, *t, "receiving {} ({}) from {} over {} stream{}{}",
                 offer.name, proto::format_size(offer.size), peer, offer.stream_count,
                 offer.stream_count == 1 ? "" : "s",
                 t->origin().empty() ? std::string()
                                     : fmt::format(", {} partial {}: {} of {} chunks present",
                                                   t->origin(), t->tree() ? "folder" : "file",
                                                   t->chunks_present(), offer.chunk_count()));
    return t;
}

void Daemon::close_transfer(uint32_t id) {
    for (auto& w : workers_)
        w->post([id](Worker& self) { self.close_transfer(id); });
}

void Daemon::start_streams(const std::shared_ptr<OutgoingTransfer>& t, uint16_t first,
                           uint16_t count) {
    for (uint16_t i = first; i < first + count; ++i) {
        t->attach_stream();
        // Spread a transfer's streams over the workers, and different transfers'
        // first streams too.
        Worker& w = *workers_[(t->id() + i) % workers_.size()];
        w.post([this, t, i](Worker& self) {
            self.adopt(std::make_unique<SendStream>(self, *this, t, i));
        });
    }
}

void Daemon::let_streams_join(const std::shared_ptr<OutgoingTransfer>& t) {
    for (uint16_t index : t->open_for_joins())
        start_streams(t, index, 1);
    for (auto& w : workers_)
        w->post([id = t->id()](Worker& self) { self.transfer_accepted(id); });
}

void Daemon::streams_gone(std::shared_ptr<OutgoingTransfer> t) {
    on_control_thread([this, t = std::move(t)] { scheduler_.reconnect_later(t); });
}

void Daemon::send_cancel_notice(std::shared_ptr<OutgoingTransfer> t) {
    t->attach_stream();
    Worker& w = *workers_[t->id() % workers_.size()];
    w.post([this, t = std::move(t)](Worker& self) {
        self.adopt(SendStream::cancel_notice(self, *this, t));
    });
}

void Daemon::get(GetRequest request,
                 std::function<void(uint32_t id, const std::string& error)> done) {
    proto::Pull pull;
    pull.id = pulls_.add(std::move(done));
    pull.port = listen_port_;
    pull.name = std::move(request.name);
    pull.offer_as = std::move(request.as);
    pull.stream_count = static_cast<uint16_t>(request.streams);
    pull.chunk_size = request.chunk_size;
    std::string peer = request.source.to_string();
    scheduler_.resolve(std::move(request.source), [this, pull,
                                                   peer](std::vector<PeerAddress> addresses,
                                                         const std::string& error) {
        if (!error.empty()) return pull_answered(pull.id, error);
        Worker& w = *workers_[pull.id[0] % workers_.size()];
        w.post([this, pull, peer, addresses = std::move(addresses)](Worker& self) {
            self.adopt(std::make_unique<PullRequest>(
                self, *this, pull, peer, addresses,
                [this, id = pull.id](const std::string& refusal) { pull_answered(id, refusal); }));
        });
    });
}

void Daemon::pull_answered(const proto::TransferId& id, const std::string& refusal) {
    if (refusal.empty()) return pulls_.accepted(id, Clock::now() + kOfferWait);
    if (auto done = pulls_.take(id))
        on_control_thread([done = std::move(*done), refusal] { done(0, refusal); });
}

void Daemon::serve_pull(const proto::Pull& pull, const sockaddr* from) {
    // What the web side shows, and nothing else: regular files and folders straight in
    // incoming, with a bare name.
    if (!settings_.web_enabled())
        throw Refusal{proto::ErrorCode::NotFound,
                      "this daemon shows none of its files ([web] enabled = false)"};
    if (auto problem = proto::name_problem(pull.name))
        throw Refusal{proto::ErrorCode::BadName, "the name cannot be fetched: " + *problem};
    if (auto problem = pull.offer_as.empty() ? std::nullopt : proto::name_problem(pull.offer_as))
        throw Refusal{proto::ErrorCode::BadName, "the name to store it as is unsafe: " + *problem};
    const Destination to{format_host(from), pull.port};
    auto addressed = [&](auto& request) {
        request.destination = to;
        request.name = pull.offer_as.empty() ? pull.name : pull.offer_as;
        request.streams = pull.stream_count;
        request.chunk_size = pull.chunk_size;
        request.id = pull.id;
    };
    if (auto file = open_received_file(storage_.dir(), pull.name)) {
        auto request = std::make_shared<SendRequest>();
        request->file = std::move(file->fd);
        addressed(*request);
        return on_control_thread([this, request, name = pull.name, to] {
            serve_pulled(name, to, [&] { return scheduler_.send(std::move(*request)); });
        });
    }
    auto tree = open_received_tree(storage_.dir(), pull.name);
    if (!tree)
        throw Refusal{proto::ErrorCode::NotFound,
                      "nothing named '" + pull.name + "' is here to be fetched"};
    auto request = std::make_shared<TreeRequest>();
    request->folder = std::move(tree->folder);
    request->manifest = proto::encode_manifest(tree->manifest);
    request->files = std::move(tree->files);
    addressed(*request);
    for (auto& [path, why] : tree->skipped)
        request->skipped.push_back({std::move(path), std::move(why)});
    on_control_thread([this, request, name = pull.name, to] {
        serve_pulled(name, to, [&] { return scheduler_.send_tree(std::move(*request)); });
    });
}

void Daemon::serve_pulled(const std::string& name, const Destination& to,
                          const std::function<uint32_t()>& queue) {
    try {
        const uint32_t id = queue();
        dbus_->publish();
        spdlog::info("transfer {}: {} goes to {}, which asked for it", id, name, to.to_string());
    } catch (const std::exception& e) {
        spdlog::warn("cannot send {} to {}, which asked for it: {}", name, to.to_string(),
                     e.what());
    }
}

void Daemon::on_control_thread(std::function<void()> task) {
    workers_[0]->post([task = std::move(task)](Worker&) { task(); });
}

void Daemon::transfer_added() {
    on_control_thread([this] { dbus_->publish(); });
}

// ---- control --------------------------------------------------------------------------

uint32_t Daemon::send(SendRequest request) {
    return scheduler_.send(std::move(request));
}

uint32_t Daemon::send_tree(TreeRequest request) {
    return scheduler_.send_tree(std::move(request));
}

void Daemon::add_files(uint32_t id, const std::string& owner, std::vector<UniqueFd> files) {
    scheduler_.add_files(id, owner, std::move(files));
}

CancelOutcome Daemon::cancel(uint32_t id, const std::string& reason) {
    auto t = registry_.get(id);
    if (!t) return CancelOutcome::NoSuchTransfer;
    if (!t->cancel(reason)) return CancelOutcome::AlreadyFinished;
    log_transfer(spdlog::level::info, *t, "{} {}", t->name(), reason);
    close_transfer(id);
    if (t->direction() == Direction::In) {
        auto in = std::static_pointer_cast<IncomingTransfer>(t);
        registry_.forget_incoming(in->offer().id);
        in->discard();
    } else {
        scheduler_.canceled(std::static_pointer_cast<OutgoingTransfer>(t));
    }
    return CancelOutcome::Canceled;
}

std::vector<std::string> Daemon::reload() {
    Config fresh;
    if (!config_path_.empty())
        fresh = load_config(config_path_);
    else if (std::filesystem::exists(kDefaultConfigPath))
        fresh = load_config(kDefaultConfigPath);
    // Before anything changes: a bad key file refuses the reload as a bad config does.
    std::shared_ptr<const SecretKey> key = key_for(fresh.auth);

    std::vector<std::string> kept;
    // A socket from the service manager does not depend on [listen] at all.
    if (!listener_.from_service_manager && (fresh.listen.address != config_.listen.address ||
                                            fresh.listen.port != config_.listen.port))
        kept.push_back("[listen]");
    if (fresh.storage.incoming != config_.storage.incoming) kept.push_back("[storage] incoming");
    if (fresh.storage.state != config_.storage.state) kept.push_back("[storage] state");
    if (fresh.engine.workers != config_.engine.workers ||
        fresh.engine.pipe_size != config_.engine.pipe_size)
        kept.push_back("[engine]");
    if (fresh.control.bus != config_.control.bus) kept.push_back("[control] bus");
    if (fresh.tls.mode != config_.tls.mode || fresh.tls.certificate != config_.tls.certificate ||
        fresh.tls.private_key != config_.tls.private_key)
        kept.push_back("[tls]");

    config_.storage.max_file_size = fresh.storage.max_file_size;
    config_.storage.on_conflict = fresh.storage.on_conflict;
    config_.storage.reserve = fresh.storage.reserve;
    config_.storage.partial_ttl = fresh.storage.partial_ttl;
    config_.storage.sync = fresh.storage.sync;
    next_expiry_ = {};
    config_.limits = fresh.limits;
    config_.auth = fresh.auth;
    config_.transfer = fresh.transfer;
    send_limit_.set_rate(config_.transfer.max_rate);
    config_.web = fresh.web;
    config_.control.group = fresh.control.group;
    const bool key_changed = settings_.replace(fresh, key);
    storage_.set_limits(config_.storage);

    spdlog::info("configuration reloaded from {}",
                 config_path_.empty() ? "the built-in defaults" : config_path_.string());
    for (const auto& k : kept)
        spdlog::warn("configuration reloaded: {} changed but needs a restart; kept as it was", k);
    if (key_changed) log_peer_policy(key.get());
    scheduler_.set_settings(config_.transfer, config_.storage.sync);
    return kept;
}

} // namespace streamd

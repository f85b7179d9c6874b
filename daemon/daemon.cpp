#include "daemon.hpp"

#include "control/dbus_service.hpp"
#include "engine/io_ring.hpp"
#include "engine/random_bytes.hpp"
#include "native/receive_stream.hpp"
#include "native/send_stream.hpp"
#include "control/service_notify.hpp"
#include "control/service_status.hpp"
#include "size_units.hpp"
#include "transfer/transfer_log.hpp"
#include "version.hpp"
#include "engine/worker.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <system_error>
#include <thread>

namespace streamd {

namespace {
unsigned worker_count(const Config& c) {
    if (c.engine.workers > 0) return c.engine.workers;
    return std::max(1u, std::thread::hardware_concurrency());
}

std::shared_ptr<const SecretKey> key_for(const Config::Auth& auth) {
    return auth.secret_file ? load_secret_key(*auth.secret_file) : nullptr;
}

void log_peer_policy(const SecretKey* key) {
    if (key)
        spdlog::info("peers must authenticate with the key from {}", key->path().string());
    else
        spdlog::info("no peer keys: transfers are accepted from loopback addresses only");
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

} // namespace

Daemon::Daemon(Config config, std::filesystem::path config_path, BusKind bus)
    : config_(std::move(config)), config_path_(std::move(config_path)), started_at_(now_us()),
      storage_(config_.storage), state_(config_.storage.state),
      listener_(open_listener(config_.listen)), watchdog_(watchdog_interval()),
      limits_(config_.limits), secret_key_(key_for(config_.auth)),
      web_enabled_(config_.web.enabled), signal_fd_(take_signals()) {
    // Refuse to start without io_uring, and learn once which data path it offers.
    try {
        IoRing probe(8);
        use_splice_ = probe.supports(IORING_OP_SPLICE);
        spdlog::info("io_uring set up ({}); data path: {}", probe.setup_description(),
                     use_splice_ ? "splice (zero-copy)" : "read/write copy (no splice)");
    } catch (const std::system_error& e) {
        throw std::runtime_error(std::string("io_uring is not available: ") + e.code().message() +
                                 " (check kernel.io_uring_disabled and seccomp filters)");
    }

    dbus_ = std::make_unique<DbusService>(*this, bus);

    unsigned n = worker_count(config_);
    for (unsigned i = 0; i < n; ++i)
        workers_.push_back(std::make_unique<Worker>(*this, i));
    accept_tags_.resize(n);
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

void Daemon::worker_started(Worker& w) {
    // Each handler is registered once; re-arming reuses its tag.
    accept_tags_[w.index()] =
        w.handler_tag([this, &w](int res, uint32_t flags) { on_accept(w, res, flags); });
    arm_accept(w);
    if (w.index() != 0) return;
    signal_tag_ = w.handler_tag([this, &w](int res, uint32_t) {
        if (res == sizeof signal_info_) on_signal(static_cast<int>(signal_info_.ssi_signo));
        if (!stopping_) arm_signals(w);
    });
    arm_signals(w);
    dbus_->attach(w);
    pick_up_saved_transfers();
    spdlog::info("streamd {} listening on {}{} with {} worker{}, receiving into {}",
                 STREAMD_VERSION, listener_.address,
                 listener_.from_service_manager ? " (a socket from the service manager)" : "",
                 workers_.size(), workers_.size() == 1 ? "" : "s", storage_.path().string());
    log_peer_policy(secret_key().get());
    service_status_ = service_status({}, listener_.address);
    notify_service("READY=1\nSTATUS=" + service_status_);
}

void Daemon::arm_accept(Worker& w) {
    io_uring_sqe* sqe = w.ring().sqe();
    io_uring_prep_multishot_accept(sqe, listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC);
    sqe->user_data = accept_tags_[w.index()];
}

void Daemon::on_accept(Worker& w, int res, uint32_t flags) {
    if (res >= 0) {
        UniqueFd fd(res);
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        ::getpeername(fd.get(), reinterpret_cast<sockaddr*>(&peer), &len);
        auto* addr = reinterpret_cast<sockaddr*>(&peer);
        std::string host = format_host(addr);
        if (!admit(host)) {
            // Closed unread: a peer holding this many connections is not owed a reply.
            spdlog::warn("refused a connection from {}: it holds {} already", host,
                         limits().max_connections_per_address);
            return rearm_accept_if_needed(w, flags);
        }
        w.adopt(std::make_unique<ReceiveStream>(w, std::move(fd), format_address(addr),
                                                Admission(*this, std::move(host)),
                                                is_loopback(addr)));
    } else if (res != -ECANCELED) {
        spdlog::warn("accept failed: {}", std::strerror(-res));
    }
    rearm_accept_if_needed(w, flags);
}

void Daemon::rearm_accept_if_needed(Worker& w, uint32_t flags) {
    if (!(flags & IORING_CQE_F_MORE) && !stopping_) arm_accept(w);
}

void Daemon::arm_signals(Worker& w) {
    io_uring_sqe* sqe = w.ring().sqe();
    io_uring_prep_read(sqe, signal_fd_.get(), &signal_info_, sizeof signal_info_, 0);
    sqe->user_data = signal_tag_;
}

void Daemon::on_signal(int signo) {
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

void Daemon::stop() {
    if (stopping_) return;
    stopping_ = true;
    notify_service("STOPPING=1");
    for (auto& w : workers_)
        w->post([](Worker& self) { self.stop(); });
}

Config::Limits Daemon::limits() const {
    std::lock_guard lock(limits_mutex_);
    return limits_;
}

std::shared_ptr<const SecretKey> Daemon::secret_key() const {
    std::lock_guard lock(limits_mutex_);
    return secret_key_;
}

bool Daemon::admit(const std::string& address) {
    std::lock_guard lock(limits_mutex_);
    unsigned& n = connections_by_address_[address];
    if (limits_.max_connections_per_address != 0 && n >= limits_.max_connections_per_address) {
        if (n == 0) connections_by_address_.erase(address);
        return false;
    }
    ++n;
    return true;
}

void Daemon::release(const std::string& address) {
    std::lock_guard lock(limits_mutex_);
    auto it = connections_by_address_.find(address);
    if (it != connections_by_address_.end() && --it->second == 0) connections_by_address_.erase(it);
}

void Daemon::note_copy_fallback(const char* what) {
    if (!copy_logged_.exchange(true))
        spdlog::warn("splice {} refused by the kernel; copying through user space instead", what);
}

uint32_t Daemon::send(SendRequest r) {
    struct stat st {};
    if (::fstat(r.file.get(), &st) != 0)
        throw std::system_error(errno, std::generic_category(), "cannot inspect the file");
    if (!S_ISREG(st.st_mode))
        throw std::invalid_argument("the file descriptor is not a regular file");
    int access = ::fcntl(r.file.get(), F_GETFL) & O_ACCMODE;
    if (access != O_RDONLY && access != O_RDWR)
        throw std::invalid_argument("the file descriptor is not open for reading");

    // The configuration in force now decides, even if the transfer waits in the queue
    // through a reload.
    proto::Offer offer;
    random_bytes(offer.id);
    offer.chunk_size = r.chunk_size ? r.chunk_size : config_.transfer.chunk_size;
    offer.size = static_cast<uint64_t>(st.st_size);
    unsigned streams = r.streams ? r.streams : config_.transfer.streams;
    // More streams than chunks would only idle.
    offer.stream_count =
        static_cast<uint16_t>(std::clamp<uint64_t>(offer.chunk_count(), 1, std::max(1u, streams)));
    offer.mode = st.st_mode & 0777;
    offer.mtime_sec = st.st_mtim.tv_sec;
    offer.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
    offer.digest =
        config_.transfer.verify ? proto::DigestAlgorithm::Xxh3 : proto::DigestAlgorithm::None;
    offer.name = std::move(r.name);

    // Written down by path, so that a restart can pick the transfer up again.
    SavedTransfer saved{offer,
                        r.destination.to_string(),
                        {},
                        static_cast<uint64_t>(st.st_dev),
                        static_cast<uint64_t>(st.st_ino)};
    std::error_code ec;
    auto path = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(r.file.get()), ec);
    auto t = std::make_shared<OutgoingTransfer>(registry_.next_id(), std::move(r.file), offer,
                                                r.destination);
    if (!ec && path.is_absolute() && !path.string().ends_with(" (deleted)")) {
        saved.path = path.string();
        state_.save(saved);
    }
    enqueue(t);
    return t->id();
}

void Daemon::enqueue(const std::shared_ptr<OutgoingTransfer>& t) {
    // Whichever thread ends it, the control thread frees its slot.
    t->on_end([this](Transfer& ended) {
        state_.remove(static_cast<OutgoingTransfer&>(ended).offer().id);
        workers_[0]->post([this, id = ended.id()](Worker&) { transfer_ended(id); });
    });
    registry_.add(t);
    queue_.push(t);
    log_transfer(spdlog::level::info, *t, "{} ({}) queued for {}", t->name(),
                 proto::format_size(t->size()), t->peer());
    start_waiting();
}

void Daemon::pick_up_saved_transfers() {
    for (auto& saved : state_.load()) {
        auto skip = [&](const std::string& why) {
            spdlog::warn("not picking up the transfer of {} to {}: {}", saved.path,
                         saved.destination, why);
            state_.remove(saved.offer.id);
        };
        UniqueFd file(::open(saved.path.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat st {};
        if (!file || ::fstat(file.get(), &st) != 0) {
            skip(std::strerror(errno));
            continue;
        }
        if (static_cast<uint64_t>(st.st_dev) != saved.device ||
            static_cast<uint64_t>(st.st_ino) != saved.inode ||
            static_cast<uint64_t>(st.st_size) != saved.offer.size ||
            st.st_mtim.tv_sec != saved.offer.mtime_sec ||
            static_cast<uint32_t>(st.st_mtim.tv_nsec) != saved.offer.mtime_nsec) {
            skip("the file changed since it was queued");
            continue;
        }
        Destination destination;
        try {
            destination = parse_destination(saved.destination, kDefaultPort);
        } catch (const std::invalid_argument& e) {
            skip(e.what());
            continue;
        }
        auto t = std::make_shared<OutgoingTransfer>(registry_.next_id(), std::move(file),
                                                    saved.offer, std::move(destination));
        // It may have run before the stop; a lost connection is worth another attempt.
        t->set_accepted_once();
        log_transfer(spdlog::level::info, *t, "picked up {} for {} from {}", saved.path, t->peer(),
                     state_.path().string());
        enqueue(t);
    }
}

void Daemon::start_waiting() {
    for (auto& t : queue_.take_startable(config_.transfer.max_active)) {
        t->advance(TransferState::Connecting);
        log_transfer(spdlog::level::info, *t, "sending {} to {} over {} stream{}", t->name(),
                     t->peer(), t->streams(), t->streams() == 1 ? "" : "s");
        resolver_.resolve(t->destination(),
                          [this, t](std::vector<PeerAddress> addresses, std::string error) {
                              workers_[0]->post([this, t, addresses = std::move(addresses),
                                                 error = std::move(error)](Worker&) mutable {
                                  if (t->finished())
                                      return t->release_source(); // canceled meanwhile
                                  if (!error.empty()) {
                                      t->fail(error);
                                      log_transfer(spdlog::level::warn, *t, "{}", error);
                                      return t->release_source();
                                  }
                                  t->set_addresses(std::move(addresses));
                                  start_streams(t, 0, 1);
                              });
                          });
    }
}

void Daemon::transfer_ended(uint32_t id) {
    queue_.ended(id);
    start_waiting();
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
        return CancelOutcome::Canceled;
    }
    auto out = std::static_pointer_cast<OutgoingTransfer>(t);
    queue_.remove(id);
    out->release_source();
    // Its streams are reset, which the receiver cannot tell from a dropped connection;
    // it would keep the partial file for a resume unless told.
    if (out->accepted_once()) {
        out->attach_stream();
        workers_[id % workers_.size()]->post(
            [out](Worker& self) { self.adopt(SendStream::cancel_notice(self, out)); });
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

    config_.storage.max_file_size = fresh.storage.max_file_size;
    config_.storage.on_conflict = fresh.storage.on_conflict;
    config_.storage.reserve = fresh.storage.reserve;
    config_.storage.partial_ttl = fresh.storage.partial_ttl;
    next_expiry_ = {};
    config_.limits = fresh.limits;
    config_.auth = fresh.auth;
    bool key_changed = false;
    {
        std::lock_guard lock(limits_mutex_);
        limits_ = fresh.limits;
        key_changed = bool(key) != bool(secret_key_) || (key && !(*key == *secret_key_));
        secret_key_ = key;
    }
    config_.transfer = fresh.transfer;
    config_.web = fresh.web;
    web_enabled_ = fresh.web.enabled;
    config_.control.group = fresh.control.group;
    storage_.set_limits(config_.storage);

    spdlog::info("configuration reloaded from {}",
                 config_path_.empty() ? "the built-in defaults" : config_path_.string());
    for (const auto& k : kept)
        spdlog::warn("configuration reloaded: {} changed but needs a restart; kept as it was", k);
    if (key_changed) log_peer_policy(key.get());
    // A larger max_active lets waiting transfers start now.
    start_waiting();
    return kept;
}

void Daemon::start_streams(const std::shared_ptr<OutgoingTransfer>& t, uint16_t first,
                           uint16_t count) {
    for (uint16_t i = first; i < first + count; ++i) {
        t->attach_stream();
        // Spread a transfer's streams over the workers, and different transfers'
        // first streams too.
        Worker& w = *workers_[(t->id() + i) % workers_.size()];
        w.post([t, i](Worker& self) { self.adopt(std::make_unique<SendStream>(self, t, i)); });
    }
}

void Daemon::close_transfer(uint32_t id) {
    for (auto& w : workers_)
        w->post([id](Worker& self) { self.close_transfer(id); });
}

void Daemon::streams_gone(std::shared_ptr<OutgoingTransfer> t) {
    workers_[0]->post([this, t = std::move(t)](Worker&) { schedule_reconnect(t); });
}

void Daemon::schedule_reconnect(const std::shared_ptr<OutgoingTransfer>& t) {
    if (t->finished()) return t->release_source();
    const unsigned attempts = t->failed_attempts();
    const unsigned most = config_.transfer.reconnect_attempts;
    if (attempts > most) {
        std::string reason = t->lost_reason();
        if (most > 0)
            reason += " (gave up after " + std::to_string(most) + " more attempt" +
                      (most == 1 ? "" : "s") + ")";
        t->fail(reason);
        log_transfer(spdlog::level::warn, *t, "sending {} to {} failed: {}", t->name(), t->peer(),
                     reason);
        return t->release_source();
    }
    uint64_t delay = config_.transfer.reconnect_delay;
    for (unsigned i = 1; i < attempts && delay < kMaxReconnectDelay; ++i)
        delay *= 2;
    delay = std::min(delay, kMaxReconnectDelay);
    log_transfer(spdlog::level::info, *t, "connecting again in {} s (attempt {} of {})", delay,
                 attempts, most);
    reconnects_.push_back({t, std::chrono::steady_clock::now() + std::chrono::seconds(delay)});
}

void Daemon::tick(std::chrono::steady_clock::time_point now) {
    if (const uint64_t ttl = config_.storage.partial_ttl; ttl != 0 && now >= next_expiry_) {
        if (unsigned n = storage_.expire_partials(ttl))
            spdlog::info("removed {} partial file{} untouched for {} s", n, n == 1 ? "" : "s", ttl);
        // Often enough that nothing outlives its time by much more than a quarter of it.
        next_expiry_ = now + std::chrono::seconds(std::clamp<uint64_t>(ttl / 4, 1, 600));
    }
    auto due = std::stable_partition(reconnects_.begin(), reconnects_.end(),
                                     [&](const Reconnect& r) { return r.due > now; });
    std::vector<Reconnect> ready(std::make_move_iterator(due),
                                 std::make_move_iterator(reconnects_.end()));
    reconnects_.erase(due, reconnects_.end());
    for (auto& r : ready) {
        if (r.transfer->finished()) {
            r.transfer->release_source();
            continue;
        }
        r.transfer->next_attempt();
        start_streams(r.transfer, 0, 1);
    }
    tell_service_manager(now);
}

void Daemon::tell_service_manager(std::chrono::steady_clock::time_point now) {
    const Totals totals = registry_.totals();
    const auto [rate_in, rate_out] = dbus_->rates();
    std::string message;
    if (std::string status = service_status(
            {totals.active_in, totals.active_out, rate_in, rate_out}, listener_.address);
        status != service_status_) {
        service_status_ = std::move(status);
        message = "STATUS=" + service_status_;
    }
    // A worker stuck for a whole interval stops the pings, and systemd restarts the daemon.
    auto loops_turn = [&] {
        return std::all_of(workers_.begin(), workers_.end(),
                           [&](const auto& w) { return now - w->swept_at() < *watchdog_; });
    };
    if (watchdog_ && now >= next_watchdog_ && loops_turn()) {
        message += message.empty() ? "WATCHDOG=1" : "\nWATCHDOG=1";
        // Half the interval, as sd_watchdog_enabled(3) advises, less one sweep so that a
        // ping due between two sweeps goes at the earlier one.
        next_watchdog_ = now + std::max<std::chrono::steady_clock::duration>(
                                   *watchdog_ / 2 - std::chrono::seconds(1),
                                   std::chrono::steady_clock::duration::zero());
    }
    if (!message.empty()) notify_service(message);
}

void Daemon::transfer_added() {
    workers_[0]->post([this](Worker&) { dbus_->publish(); });
}

std::shared_ptr<IncomingTransfer> Daemon::accept_offer(const proto::Offer& offer,
                                                       const std::string& peer) {
    if (auto earlier = registry_.find_incoming(offer.id)) {
        // The sender reconnected before this end noticed that the old streams broke.
        earlier->hand_over();
        if (earlier->fail("the sender reconnected")) close_transfer(earlier->id());
        registry_.forget_incoming(offer.id);
    }
    if (unsigned most = limits().max_incoming; most != 0 && registry_.incoming_count() >= most)
        throw Refusal{proto::ErrorCode::Busy, "the receiver takes " + std::to_string(most) +
                                                  " transfers at once and is at that limit; "
                                                  "try again later"};
    auto t = std::make_shared<IncomingTransfer>(registry_.next_id(), offer, peer, storage_);
    t->attach_stream();
    if (!registry_.add_incoming(offer.id, t))
        throw Refusal{proto::ErrorCode::BadFrame, "transfer id is already in use"};
    transfer_added();
    log_transfer(spdlog::level::info, *t, "receiving {} ({}) from {} over {} stream{}{}",
                 offer.name, proto::format_size(offer.size), peer, offer.stream_count,
                 offer.stream_count == 1 ? "" : "s",
                 t->origin().empty()
                     ? std::string()
                     : fmt::format(", {} partial file: {} of {} chunks present", t->origin(),
                                   t->chunks_present(), offer.chunk_count()));
    return t;
}

} // namespace streamd

#include "transfer/outgoing_scheduler.hpp"

#include "digest.hpp"
#include "engine/random_bytes.hpp"
#include "size_units.hpp"
#include "transfer/transfer_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <system_error>

namespace streamd {

OutgoingScheduler::OutgoingScheduler(Transfers& transfers, Config::Transfer settings,
                                     const Config::Storage& storage)
    : transfers_(transfers), settings_(settings), state_(storage.state, storage.sync) {}

namespace {

// Throws std::invalid_argument naming `what` unless `fd` is a readable file of that type.
struct stat inspect(int fd, mode_t type, const std::string& what) {
    struct stat st {};
    if (::fstat(fd, &st) != 0)
        throw std::system_error(errno, std::generic_category(), "cannot inspect " + what);
    if ((st.st_mode & S_IFMT) != type)
        throw std::invalid_argument(what + " is not a " +
                                    (type == S_IFDIR ? "folder" : "regular file"));
    const int access = ::fcntl(fd, F_GETFL) & O_ACCMODE;
    if (access != O_RDONLY && access != O_RDWR)
        throw std::invalid_argument(what + " is not open for reading");
    return st;
}

// A caller that does not come back for its tree in this time has gone away.
constexpr std::chrono::seconds kGatherTimeout{60};

} // namespace

proto::Offer OutgoingScheduler::make_offer(uint64_t size, unsigned streams, uint32_t chunk_size,
                                           const struct stat& st, std::string name) const {
    // The configuration in force now decides, even if the transfer waits in the queue
    // through a reload.
    proto::Offer offer;
    random_bytes(offer.id);
    offer.chunk_size = chunk_size ? chunk_size : settings_.chunk_size;
    offer.size = size;
    streams = streams ? streams : settings_.streams;
    // More streams than chunks would only idle.
    offer.stream_count =
        static_cast<uint16_t>(std::clamp<uint64_t>(offer.chunk_count(), 1, std::max(1u, streams)));
    offer.mode = st.st_mode & 0777;
    offer.mtime_sec = st.st_mtim.tv_sec;
    offer.mtime_nsec = static_cast<uint32_t>(st.st_mtim.tv_nsec);
    offer.digest = settings_.verify ? proto::DigestAlgorithm::Xxh3 : proto::DigestAlgorithm::None;
    offer.name = std::move(name);
    return offer;
}

uint32_t OutgoingScheduler::send(SendRequest r) {
    const struct stat st = inspect(r.file.get(), S_IFREG, "the file descriptor");
    proto::Offer offer = make_offer(static_cast<uint64_t>(st.st_size), r.streams, r.chunk_size, st,
                                    std::move(r.name));
    if (r.id) offer.id = *r.id;

    // Written down by path, so that a restart can pick the transfer up again.
    SavedTransfer saved{offer,
                        r.destination.to_string(),
                        {},
                        static_cast<uint64_t>(st.st_dev),
                        static_cast<uint64_t>(st.st_ino),
                        r.max_rate};
    std::error_code ec;
    auto path = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(r.file.get()), ec);
    auto t = std::make_shared<OutgoingTransfer>(transfers_.registry().next_id(),
                                                SourceData(std::move(r.file)), offer, r.destination,
                                                r.max_rate);
    if (!ec && path.is_absolute() && !path.string().ends_with(" (deleted)")) {
        saved.path = path.string();
        state_.save(saved);
    }
    enqueue(t);
    return t->id();
}

uint32_t OutgoingScheduler::send_tree(TreeRequest r) {
    const struct stat st = inspect(r.folder.get(), S_IFDIR, "the folder descriptor");
    Gathering g;
    try {
        g.manifest = proto::decode_manifest(r.manifest);
    } catch (const proto::FrameError& e) {
        throw std::invalid_argument(std::string("invalid manifest: ") + e.what());
    }
    for (const auto& e : g.manifest.entries)
        if (e.kind == proto::EntryKind::File && e.size > 0) g.sizes.push_back(e.size);
    const proto::TreeLayout layout(g.manifest);
    g.offer = make_offer(layout.data_size(), r.streams, r.chunk_size, st, std::move(r.name));
    g.offer.kind = proto::OfferKind::Tree;
    if (r.id) g.offer.id = *r.id;
    const auto canonical = proto::encode_manifest(g.manifest);
    g.offer.manifest_length = static_cast<uint32_t>(canonical.size());
    g.offer.manifest_digest = proto::chunk_digest(canonical);
    g.destination = std::move(r.destination);
    g.max_rate = r.max_rate;
    g.owner = std::move(r.owner);
    g.skipped = std::move(r.skipped);
    g.files.reserve(g.sizes.size());
    const uint32_t id = transfers_.registry().next_id();
    auto [at, _] = gathering_.emplace(id, std::move(g));
    try {
        gather(id, at->second, std::move(r.files));
    } catch (...) {
        gathering_.erase(id);
        throw;
    }
    return id;
}

void OutgoingScheduler::add_files(uint32_t id, const std::string& owner,
                                  std::vector<UniqueFd> files) {
    auto at = gathering_.find(id);
    if (at == gathering_.end() || at->second.owner != owner)
        throw std::invalid_argument("no folder of yours waits for its files as transfer " +
                                    std::to_string(id));
    try {
        gather(id, at->second, std::move(files));
    } catch (...) {
        gathering_.erase(at);
        throw;
    }
}

void OutgoingScheduler::gather(uint32_t id, Gathering& g, std::vector<UniqueFd> files) {
    if (g.files.size() + files.size() > g.sizes.size())
        throw std::invalid_argument("more files than the manifest lists");
    for (auto& f : files) {
        const size_t n = g.files.size();
        const std::string what = "file " + std::to_string(n + 1) + " of the folder";
        const struct stat st = inspect(f.get(), S_IFREG, what);
        if (static_cast<uint64_t>(st.st_size) != g.sizes[n])
            throw std::invalid_argument(what + " has " + std::to_string(st.st_size) +
                                        " bytes where the manifest says " +
                                        std::to_string(g.sizes[n]));
        g.files.push_back(std::move(f));
    }
    g.due = Clock::now() + kGatherTimeout;
    if (g.files.size() < g.sizes.size()) return;
    auto t = std::make_shared<OutgoingTransfer>(
        id, SourceData(std::move(g.manifest), std::move(g.files)), std::move(g.offer),
        std::move(g.destination), g.max_rate);
    t->set_skipped(std::move(g.skipped));
    gathering_.erase(id);
    enqueue(t);
}

void OutgoingScheduler::enqueue(const std::shared_ptr<OutgoingTransfer>& t) {
    // Whichever thread ends it, the control thread frees its slot.
    t->on_end([this](Transfer& ended) {
        state_.remove(static_cast<OutgoingTransfer&>(ended).offer().id);
        transfers_.on_control_thread([this, id = ended.id()] { this->ended(id); });
    });
    transfers_.registry().add(t);
    queue_.push(t);
    log_transfer(spdlog::level::info, *t, "{} ({}) queued for {}", t->name(),
                 proto::format_size(t->size()), t->peer());
    start_waiting();
}

void OutgoingScheduler::pick_up_saved() {
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
        auto t = std::make_shared<OutgoingTransfer>(transfers_.registry().next_id(),
                                                    SourceData(std::move(file)), saved.offer,
                                                    std::move(destination), saved.max_rate);
        // It may have run before the stop; a lost connection is worth another attempt.
        t->set_accepted_once();
        log_transfer(spdlog::level::info, *t, "picked up {} for {} from {}", saved.path, t->peer(),
                     state_.path().string());
        enqueue(t);
    }
}

void OutgoingScheduler::start_waiting() {
    for (auto& t : queue_.take_startable(settings_.max_active)) {
        t->advance(TransferState::Connecting);
        log_transfer(spdlog::level::info, *t, "sending {} to {} over {} stream{}", t->name(),
                     t->peer(), t->streams(), t->streams() == 1 ? "" : "s");
        resolver_.resolve(
            t->destination(), [this, t](std::vector<PeerAddress> addresses, std::string error) {
                transfers_.on_control_thread([this, t, addresses = std::move(addresses),
                                              error = std::move(error)]() mutable {
                    if (t->finished()) return t->release_source(); // canceled meanwhile
                    if (!error.empty()) {
                        t->fail(Failure::Connection, error);
                        log_transfer(spdlog::level::warn, *t, "{}", error);
                        return t->release_source();
                    }
                    t->set_addresses(std::move(addresses));
                    transfers_.start_streams(t, 0, 1);
                });
            });
    }
}

void OutgoingScheduler::ended(uint32_t id) {
    queue_.ended(id);
    start_waiting();
}

void OutgoingScheduler::canceled(const std::shared_ptr<OutgoingTransfer>& t) {
    queue_.remove(t->id());
    t->release_source();
    // Its streams are reset, which the receiver cannot tell from a dropped connection;
    // it would keep the partial file for a resume unless told.
    if (t->accepted_once()) transfers_.send_cancel_notice(t);
}

void OutgoingScheduler::set_settings(const Config::Transfer& settings, SyncMode sync) {
    settings_ = settings;
    state_.set_sync(sync);
    start_waiting();
}

void OutgoingScheduler::reconnect_later(const std::shared_ptr<OutgoingTransfer>& t) {
    if (t->finished()) return t->release_source();
    const unsigned attempts = t->failed_attempts();
    const unsigned most = settings_.reconnect_attempts;
    if (attempts > most) {
        std::string reason = t->lost_reason();
        if (most > 0)
            reason += " (gave up after " + std::to_string(most) + " more attempt" +
                      (most == 1 ? "" : "s") + ")";
        t->fail(Failure::Connection, reason);
        log_transfer(spdlog::level::warn, *t, "sending {} to {} failed: {}", t->name(), t->peer(),
                     reason);
        return t->release_source();
    }
    uint64_t delay = settings_.reconnect_delay;
    for (unsigned i = 1; i < attempts && delay < kMaxReconnectDelay; ++i)
        delay *= 2;
    delay = std::min(delay, kMaxReconnectDelay);
    log_transfer(spdlog::level::info, *t, "connecting again in {} s (attempt {} of {})", delay,
                 attempts, most);
    reconnects_.push_back({t, Clock::now() + std::chrono::seconds(delay)});
}

void OutgoingScheduler::tick(Clock::time_point now) {
    std::erase_if(gathering_, [&](const auto& entry) {
        if (entry.second.due > now) return false;
        spdlog::warn("dropped the folder {} for {}: its files stopped coming",
                     entry.second.offer.name, entry.second.destination.to_string());
        return true;
    });
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
        transfers_.start_streams(r.transfer, 0, 1);
    }
}

} // namespace streamd

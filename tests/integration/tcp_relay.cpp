#include "tcp_relay.hpp"

#include "loopback_socket.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <fcntl.h>
#include <limits>
#include <memory>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <system_error>
#include <vector>

namespace streamd::it {

namespace {

constexpr std::size_t buffer_size = 64 * 1024;
// Small and fixed, so that a held connection parks little in the kernel: without it the receive
// buffer autotunes to megabytes and a sender could push a whole small file into it.
constexpr int client_receive_buffer = 64 * 1024;

[[noreturn]] void throw_errno(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

// Connecting on loopback completes or fails at once, so it is done blocking and only the
// established socket is switched to non-blocking. Empty when the target refuses.
UniqueFd connect_to(std::uint16_t port) {
    UniqueFd fd;
    try {
        fd = connect_loopback(port);
    } catch (const std::system_error&) {
        return fd;
    }
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) return UniqueFd();
    return fd;
}

bool would_block(int err) {
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

// Bytes read from one side and not yet written to the other.
struct Flow {
    std::vector<char> buffer = std::vector<char>(buffer_size);
    std::size_t begin = 0;
    std::size_t end = 0;
    bool eof = false; // the source closed its end

    bool empty() const { return begin == end; }

    // Reads at most `limit` bytes into an empty buffer; false on a broken socket.
    bool fill(int fd, std::uint64_t limit, std::uint64_t& counter) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), limit));
        ssize_t n = ::recv(fd, buffer.data(), want, 0);
        if (n < 0) return would_block(errno);
        if (n == 0) {
            eof = true;
            return true;
        }
        begin = 0;
        end = static_cast<std::size_t>(n);
        counter += static_cast<std::uint64_t>(n);
        return true;
    }

    // Writes what it can without blocking; false on a broken socket.
    bool drain(int fd, std::uint64_t& counter) {
        while (!empty()) {
            ssize_t n = ::send(fd, buffer.data() + begin, end - begin, MSG_NOSIGNAL);
            if (n < 0) return would_block(errno);
            begin += static_cast<std::size_t>(n);
            counter += static_cast<std::uint64_t>(n);
        }
        return true;
    }
};

} // namespace

struct TcpRelay::Pair {
    UniqueFd client;
    UniqueFd server;
    std::size_t ordinal = 0; // of the connections accepted
    Flow up;                 // client to server, subject to the budget
    Flow down;               // server to client, subject to the reply budget
    std::uint64_t from_client = 0;
    std::uint64_t from_server = 0;

    static std::uint64_t left(const std::optional<std::uint64_t>& budget, std::uint64_t used) {
        if (!budget) return std::numeric_limits<std::uint64_t>::max();
        return *budget > used ? *budget - used : 0;
    }
    std::uint64_t allowance(const std::optional<std::uint64_t>& budget) const {
        return left(budget, from_client);
    }

    short client_events(std::uint64_t allowance) const {
        short events = 0;
        if (up.empty() && !up.eof && allowance > 0) events |= POLLIN;
        // Not reading, but a client that goes away must still be noticed, or the server would
        // never learn that the transfer broke.
        if (allowance == 0 && !up.eof) events |= POLLRDHUP;
        if (!down.empty()) events |= POLLOUT;
        return events;
    }

    short server_events(std::uint64_t reply_allowance) const {
        short events = 0;
        if (down.empty() && !down.eof && reply_allowance > 0) events |= POLLIN;
        if (reply_allowance == 0 && !down.eof) events |= POLLRDHUP;
        if (!up.empty()) events |= POLLOUT;
        return events;
    }

    // One round of forwarding after poll; false once the pair is finished.
    bool step(short client_revents, short server_revents, std::uint64_t allowance,
              std::uint64_t reply_allowance, Counts& counts,
              const std::function<void(char*, std::size_t, std::uint64_t)>& passing) {
        if ((client_revents | server_revents) & POLLERR) {
            // A reset: pass on what the other side said last, as far as it goes, and end.
            if (!(server_revents & POLLERR)) up.drain(server.get(), counts.to_server);
            if (!(client_revents & POLLERR)) down.drain(client.get(), counts.to_client);
            return false;
        }
        if (up.empty() && !up.eof && allowance > 0 &&
            (client_revents & (POLLIN | POLLHUP | POLLRDHUP))) {
            if (!up.fill(client.get(), allowance, from_client)) return false;
            if (!up.empty()) passing(up.buffer.data(), up.end, from_client - up.end);
        } else if (client_revents & (POLLRDHUP | POLLHUP)) {
            // Gone while held, or hung up while there is no room to read what it sent last.
            return false;
        }
        if (down.empty() && !down.eof && reply_allowance > 0 &&
            (server_revents & (POLLIN | POLLHUP))) {
            if (!down.fill(server.get(), reply_allowance, from_server)) return false;
        } else if (server_revents & (POLLHUP | POLLRDHUP)) {
            return false;
        }
        if (!up.drain(server.get(), counts.to_server)) return false;
        if (!down.drain(client.get(), counts.to_client)) return false;
        // Either side closing ends the pair, once what it sent before has been passed on.
        return !(up.eof && up.empty()) && !(down.eof && down.empty());
    }
};

TcpRelay::TcpRelay(std::uint16_t target_port) : target_port_(target_port) {
    auto listener = listen_loopback(SOMAXCONN, SOCK_NONBLOCK, client_receive_buffer);
    listener_ = std::move(listener.fd);
    port_ = listener.port;
    wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!wake_fd_) throw_errno("relay eventfd");
    thread_ = std::thread([this] { run(); });
}

TcpRelay::~TcpRelay() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake();
    thread_.join();
}

void TcpRelay::hold_after(std::uint64_t bytes) {
    {
        std::lock_guard lock(mutex_);
        budget_ = bytes;
    }
    wake();
}

void TcpRelay::release() {
    {
        std::lock_guard lock(mutex_);
        budget_.reset();
    }
    wake();
}

void TcpRelay::hold_replies_after(std::uint64_t bytes) {
    {
        std::lock_guard lock(mutex_);
        reply_budget_ = bytes;
    }
    wake();
}

void TcpRelay::release_replies() {
    {
        std::lock_guard lock(mutex_);
        reply_budget_.reset();
    }
    wake();
}

void TcpRelay::reset_connection(std::size_t nth) {
    {
        std::lock_guard lock(mutex_);
        resets_.push_back(nth);
    }
    wake();
}

void TcpRelay::cut() {
    std::unique_lock lock(mutex_);
    const std::uint64_t ticket = ++cuts_asked_;
    lock.unlock();
    wake();
    lock.lock();
    changed_.wait(lock, [&] { return cuts_done_ >= ticket || stopping_; });
}

TcpRelay::Counts TcpRelay::counts() const {
    std::lock_guard lock(mutex_);
    return counts_;
}

bool TcpRelay::wait_until(const std::function<bool(const Counts&)>& condition,
                          std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return condition(counts_); });
}

void TcpRelay::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = ::write(wake_fd_.get(), &one, sizeof one);
}

void TcpRelay::flip_once_at(std::uint64_t offset) {
    std::lock_guard lock(mutex_);
    flip_at_ = offset;
}

void TcpRelay::record() {
    std::lock_guard lock(mutex_);
    recording_ = true;
}

std::vector<char> TcpRelay::recorded() const {
    std::lock_guard lock(mutex_);
    return recorded_;
}

bool TcpRelay::flipped() const {
    std::lock_guard lock(mutex_);
    return flipped_;
}

void TcpRelay::passing(char* bytes, std::size_t n, std::uint64_t offset) {
    std::lock_guard lock(mutex_);
    if (recording_) recorded_.insert(recorded_.end(), bytes, bytes + n);
    if (flip_at_ && *flip_at_ >= offset && *flip_at_ < offset + n) {
        bytes[*flip_at_ - offset] ^= 0x01;
        flip_at_.reset();
        flipped_ = true;
    }
}

void TcpRelay::run() {
    const auto passing = [this](char* bytes, std::size_t n, std::uint64_t offset) {
        this->passing(bytes, n, offset);
    };
    std::vector<std::unique_ptr<Pair>> pairs;
    std::vector<pollfd> fds;
    Counts counts;
    std::uint64_t cuts_handled = 0;
    const linger reset{1, 0};
    for (;;) {
        std::optional<std::uint64_t> budget;
        std::optional<std::uint64_t> reply_budget;
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            budget = budget_;
            reply_budget = reply_budget_;
        }
        fds.assign({{wake_fd_.get(), POLLIN, 0}, {listener_.get(), POLLIN, 0}});
        for (const auto& pair : pairs) {
            fds.push_back({pair->client.get(), pair->client_events(pair->allowance(budget)), 0});
            fds.push_back({pair->server.get(),
                           pair->server_events(Pair::left(reply_budget, pair->from_server)), 0});
        }
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[0].revents & POLLIN) {
            std::uint64_t value;
            [[maybe_unused]] ssize_t ignored = ::read(wake_fd_.get(), &value, sizeof value);
        }

        // The budget may have changed while poll waited; what is read now obeys the new one.
        std::uint64_t cuts = 0;
        std::vector<std::size_t> resets;
        {
            std::lock_guard lock(mutex_);
            budget = budget_;
            reply_budget = reply_budget_;
            cuts = cuts_asked_;
            resets.swap(resets_);
        }
        if (cuts > cuts_handled) {
            cuts_handled = cuts;
            for (const auto& pair : pairs)
                for (int fd : {pair->client.get(), pair->server.get()})
                    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            pairs.clear();
            counts.open = 0;
            counts.held = 0;
            {
                std::lock_guard lock(mutex_);
                counts_ = counts;
                cuts_done_ = cuts;
            }
            changed_.notify_all();
            continue;
        }
        std::vector<std::unique_ptr<Pair>> kept;
        for (std::size_t i = 0; i < pairs.size(); ++i) {
            Pair& pair = *pairs[i];
            if (std::find(resets.begin(), resets.end(), pair.ordinal) != resets.end()) {
                for (int fd : {pair.client.get(), pair.server.get()})
                    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
                continue;
            }
            const pollfd& client = fds[2 + 2 * i];
            const pollfd& server = fds[3 + 2 * i];
            if (pair.step(client.revents, server.revents, pair.allowance(budget),
                          Pair::left(reply_budget, pair.from_server), counts, passing))
                kept.push_back(std::move(pairs[i]));
        }
        pairs = std::move(kept);

        if (fds[1].revents & POLLIN) {
            for (;;) {
                UniqueFd client(
                    ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
                if (!client) break;
                const std::size_t ordinal = counts.accepted++;
                UniqueFd server = connect_to(target_port_);
                // Nothing to forward to: closing the client tells it so.
                if (!server) continue;
                auto pair = std::make_unique<Pair>();
                pair->ordinal = ordinal;
                pair->client = std::move(client);
                pair->server = std::move(server);
                pairs.push_back(std::move(pair));
            }
        }

        counts.open = pairs.size();
        counts.held = static_cast<std::size_t>(
            std::count_if(pairs.begin(), pairs.end(), [&](const auto& pair) {
                return budget && pair->allowance(budget) == 0 && pair->up.empty();
            }));
        {
            std::lock_guard lock(mutex_);
            counts_ = counts;
        }
        changed_.notify_all();
    }
}

} // namespace streamd::it

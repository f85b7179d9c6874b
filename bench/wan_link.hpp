// A wide-area link between two fresh network namespaces, for running both ends of a transfer
// across a round-trip time, random loss and a rate limit. This kernel has no netem, so the
// delay and loss come from bench/delay_line (a user-space copy between two TUN devices, found
// through DELAY_LINE_BIN) and the rate from a tbf qdisc on each end. Needs root.
#pragma once

#include "process.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace streamd::bench {

// Processes that the caller starts inside the namespaces are the caller's to stop before the
// link goes: deleting a namespace only removes its name, and a process left inside keeps the
// namespace, its addresses and its sockets alive (though without the delay line, unreachable).
// A process killed before a WanLink's destructor ran leaves that link's namespaces behind; the
// next WanLink removes those whose process is gone.
class WanLink {
public:
    struct Options {
        double rtt_ms = 0;
        double loss = 0;            // chance of dropping a packet, per packet and direction
        std::string rate = "1gbit"; // in tc's notation: bit, kbit, mbit, gbit, or bps for bytes
        unsigned mtu = 1500;
        std::uint64_t queue_bytes = 0; // the bottleneck buffer; 0 for one bandwidth-delay product
        std::uint64_t seed = 1;        // of the loss draws
    };

    // Throws std::runtime_error, naming the step or command that failed, if anything of the
    // link cannot be set up (not root, no /dev/net/tun, no DELAY_LINE_BIN, ip or tc failing),
    // and std::invalid_argument for options out of range; whatever was set up by then is
    // removed again. The namespaces start with the host's TCP settings (congestion control,
    // buffer limits), as the kernel copies them into every new namespace.
    explicit WanLink(const Options& options);
    WanLink(const WanLink&) = delete;
    WanLink& operator=(const WanLink&) = delete;
    ~WanLink();

    // The start of an argv that runs a command in namespace a or b, until close(): {"ip",
    // "netns", "exec", NAME}. ip execs the command in place, so a Process's pid() is the
    // command's own.
    std::vector<std::string> in_a() const { return {"ip", "netns", "exec", namespace_a_}; }
    std::vector<std::string> in_b() const { return {"ip", "netns", "exec", namespace_b_}; }
    // Each end's address on the link, e.g. for a server in b to bind to and a client in a to
    // connect to.
    const std::string& address_a() const { return address_a_; }
    const std::string& address_b() const { return address_b_; }
    // The rate tbf holds the link to.
    double rate_gbit() const { return rate_gbit_; }
    const std::string& namespace_a() const { return namespace_a_; }
    const std::string& namespace_b() const { return namespace_b_; }
    // Of the delay line, for its CPU time; -1 once closed.
    pid_t delay_line_pid() const { return delay_line_ ? delay_line_->pid() : -1; }

    // Stops the delay line and deletes both namespaces; returns the delay line's packet counts,
    // one line. The destructor does the same if this was not called. Never throws.
    std::string close() noexcept;

private:
    // A named network namespace, `ip netns add` on construction and `ip netns del` on close.
    class Namespace {
    public:
        explicit Namespace(std::string name);
        Namespace(const Namespace&) = delete;
        Namespace& operator=(const Namespace&) = delete;
        ~Namespace() { remove(); }

        const std::string& name() const { return name_; }
        void remove() noexcept;

    private:
        std::string name_;
        bool added_ = false;
    };

    double rate_gbit_ = 0;
    std::string namespace_a_;
    std::string namespace_b_;
    std::string address_a_ = "127.77.0.1";
    std::string address_b_ = "127.77.0.2";
    // Set up one after the other in the constructor's body; members so that whatever exists
    // when it throws is taken down again, the delay line (declared last) first.
    std::optional<Namespace> a_;
    std::optional<Namespace> b_;
    std::optional<it::Process> delay_line_;
};

} // namespace streamd::bench

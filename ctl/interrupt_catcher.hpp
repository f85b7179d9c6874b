// Ctrl-C while streamctl waits or watches: noticed, so that the waiting can end cleanly
// instead of the process dying mid-redraw.
#pragma once

#include <chrono>
#include <csignal>

namespace streamd::ctl {

class InterruptCatcher {
public:
    // Catches SIGINT without SA_RESTART, so that it cuts the sleep between polls short.
    InterruptCatcher();
    ~InterruptCatcher();
    InterruptCatcher(const InterruptCatcher&) = delete;
    InterruptCatcher& operator=(const InterruptCatcher&) = delete;

    bool interrupted() const;

    // Sleeps for `d`; false when interrupted before or during the sleep.
    bool sleep(std::chrono::nanoseconds d) const;

    // Dies of SIGINT as if never caught, so that a calling shell or script stops too.
    [[noreturn]] void die();

private:
    struct sigaction previous_ {};
};

} // namespace streamd::ctl

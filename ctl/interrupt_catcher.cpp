#include "interrupt_catcher.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace streamd::ctl {

namespace {

volatile std::sig_atomic_t interrupt_seen = 0;

extern "C" void note_interrupt(int) {
    interrupt_seen = 1;
}

} // namespace

InterruptCatcher::InterruptCatcher() {
    struct sigaction sa {};
    sa.sa_handler = note_interrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &previous_);
}

InterruptCatcher::~InterruptCatcher() {
    ::sigaction(SIGINT, &previous_, nullptr);
}

bool InterruptCatcher::interrupted() const {
    return interrupt_seen != 0;
}

bool InterruptCatcher::sleep(std::chrono::nanoseconds d) const {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(d);
    timespec left{static_cast<time_t>(s.count()), static_cast<long>((d - s).count())};
    while (::nanosleep(&left, &left) != 0 && errno == EINTR)
        if (interrupt_seen) return false;
    return !interrupt_seen;
}

void InterruptCatcher::die() {
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    std::fflush(stdout);
    std::raise(SIGINT);
    std::_Exit(130);
}

} // namespace streamd::ctl

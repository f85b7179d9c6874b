#include "wait_until.hpp"

#include <thread>

namespace streamd::it {

namespace {

constexpr std::chrono::milliseconds pause_between_looks{50};

} // namespace

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(pause_between_looks);
    }
}

} // namespace streamd::it

#pragma once

#include <chrono>
#include <functional>

namespace streamd::it {

// Long enough for a loaded machine, so that only a condition that never comes fails a test.
inline constexpr std::chrono::seconds generous_deadline{60};

// Looks at `condition` again and again until it holds; false if `timeout` passes first. For
// conditions nothing announces (a file gone, a subprocess's view); signals go through
// BusWatcher instead. A short pause between looks keeps a costly condition from spinning.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = generous_deadline);

} // namespace streamd::it

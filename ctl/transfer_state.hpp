// What the states of a transfer (docs/DBUS.md) mean to a client waiting for one.
#pragma once

#include <string_view>

namespace streamd::ctl {

// A transfer only moves forward; once in one of these it never changes again.
inline bool is_finished(std::string_view state) {
    return state == "done" || state == "failed" || state == "canceled";
}

} // namespace streamd::ctl

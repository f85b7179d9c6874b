// What the states of a transfer (docs/DBUS.md) mean to a client waiting for one.
#pragma once

#include <cstdint>
#include <string_view>

namespace streamd::ctl {

// A transfer only moves forward; once in one of these it never changes again.
inline bool is_finished(std::string_view state) {
    return state == "done" || state == "failed" || state == "canceled";
}

// FilesDone as the state alone tells it, for a daemon older than the property: a transfer
// that is done has all its files, one that is not has none for sure.
inline uint32_t files_done_by_state(std::string_view state, uint32_t files) {
    return state == "done" ? files : 0;
}

} // namespace streamd::ctl

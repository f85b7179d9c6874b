// streamd's names on the bus (docs/DBUS.md) and its errors.
#pragma once

#include <cstdint>
#include <sdbus-c++/Error.h>
#include <string>

namespace streamd {

inline constexpr const char* kBusName = "org.streamd.Streamd1";
inline constexpr const char* kManagerPath = "/org/streamd/Streamd1";
inline constexpr const char* kLogControlPath = "/org/freedesktop/LogControl1";

// org.streamd.Streamd1.Error.<name>, with a one-line message.
inline sdbus::Error bus_error(const char* name, const std::string& message) {
    return sdbus::Error(std::string("org.streamd.Streamd1.Error.") + name, message);
}

inline std::string transfer_path(uint32_t id) {
    return std::string(kManagerPath) + "/transfer/" + std::to_string(id);
}

} // namespace streamd

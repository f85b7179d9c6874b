#pragma once

#include "process.hpp"
#include "temp_dir.hpp"

#include <optional>
#include <string>

namespace streamd::it {

struct DbusBusOptions {
    // The session bus admits only its owner's uid; a bus that other users may connect to is
    // what the system bus looks like, and it is needed to run streamctl as another user.
    bool allow_any_user = false;
};

// A private dbus-daemon with its socket in its own temporary directory, stopped on destruction.
class DbusBus {
public:
    explicit DbusBus(DbusBusOptions options = {});
    DbusBus(const DbusBus&) = delete;
    DbusBus& operator=(const DbusBus&) = delete;
    ~DbusBus();

    // The value for DBUS_SESSION_BUS_ADDRESS.
    const std::string& address() const { return address_; }
    std::string log() const { return process_ ? process_->stderr_text() : ""; }
    // Ends the bus under its clients' feet, as a crashed or restarted dbus-daemon would.
    void stop();

private:
    fixtures::TempDir dir_;
    std::optional<Process> process_;
    std::string address_;
};

} // namespace streamd::it

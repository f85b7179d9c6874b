// Logging set-up: journal priorities under systemd, readable lines on a terminal.
#pragma once

#include <string>
#include <string_view>

namespace streamd {

// Installs the default spdlog logger for the whole process. Under systemd, messages go to
// the journal with their priority and fields (see engine/journal_fields.hpp); elsewhere to stderr.
void setup_logging(bool verbose);

// systemd's level names (emerg, alert, crit, err, warning, notice, info, debug), as
// org.freedesktop.LogControl1 speaks them. Setters throw std::invalid_argument.
std::string log_level();
void set_log_level(std::string_view name);
// console, journal, auto (all three: standard error, which is the journal under
// systemd) or null (nothing).
std::string log_target();
void set_log_target(std::string_view name);

} // namespace streamd

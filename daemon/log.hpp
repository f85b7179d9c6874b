// Logging set-up: journal priorities under systemd, readable lines on a terminal.
#pragma once

namespace streamd {

// Installs the default spdlog logger for the whole process.
void setup_logging(bool verbose);

} // namespace streamd

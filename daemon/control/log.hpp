// Logging set-up: journal priorities under systemd, readable lines on a terminal.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace streamd {

// Installs the default spdlog logger for the whole process. Under systemd, messages go to
// the journal with their priority and fields (see JournalFields); elsewhere to stderr.
void setup_logging(bool verbose);

// While one lives, the messages this thread logs carry these extra journal fields
// ("TRANSFER_ID=42"), so that journalctl can select them. Other log targets ignore them.
class JournalFields {
public:
    explicit JournalFields(std::vector<std::string> fields);
    JournalFields(const JournalFields&) = delete;
    JournalFields& operator=(const JournalFields&) = delete;
    ~JournalFields();

private:
    std::vector<std::string> fields_;
    const std::vector<std::string>* outer_; // the fields this one covers, restored after
};

// systemd's level names (emerg, alert, crit, err, warning, notice, info, debug), as
// org.freedesktop.LogControl1 speaks them. Setters throw std::invalid_argument.
std::string log_level();
void set_log_level(std::string_view name);
// console, journal, auto (all three: standard error, which is the journal under
// systemd) or null (nothing).
std::string log_target();
void set_log_target(std::string_view name);

} // namespace streamd

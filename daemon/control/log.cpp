#include "control/log.hpp"

#include "engine/journal_fields.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

namespace streamd {

namespace {

// LogTarget "console" asks for plain stderr even where the journal is at hand.
std::atomic<bool> console_only{false};

int syslog_priority(spdlog::level::level_enum level) {
    switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
        return 7;
    case spdlog::level::warn:
        return 4;
    case spdlog::level::err:
        return 3;
    case spdlog::level::critical:
        return 2;
    default:
        return 6;
    }
}

// Under systemd each message goes to the journal natively, with its priority and the fields
// of the JournalFields in force. If that fails, stderr is still a journal stream: a "<N>"
// prefix there sets the line's priority and the journal adds its own timestamp.
class JournalSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    // sd_journal_sendv() drops messages silently where no journald listens (a unit whose
    // stderr a test reads, a container without journald), so look for it once.
    JournalSink() : native_(::access(kJournalSocket, W_OK) == 0) {}
    bool native() const { return native_; }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const int priority = syslog_priority(msg.level);
        std::string message = "MESSAGE=";
        message.append(msg.payload.data(), msg.payload.size());
        std::string priority_field = "PRIORITY=" + std::to_string(priority);
        std::vector<iovec> fields{iov(message), iov(priority_field), iov(kIdentifier)};
        if (const auto* extra = journal_fields_in_force())
            for (const std::string& f : *extra)
                fields.push_back(iov(f));
        if (native_ && !console_only.load(std::memory_order_relaxed) &&
            ::sd_journal_sendv(fields.data(), static_cast<int>(fields.size())) == 0)
            return;
        std::fprintf(stderr, "<%d>%.*s\n", priority, static_cast<int>(msg.payload.size()),
                     msg.payload.data());
    }
    void flush_() override { std::fflush(stderr); }

private:
    static constexpr const char* kJournalSocket = "/run/systemd/journal/socket";
    const bool native_;
    static constexpr std::string_view kIdentifier = "SYSLOG_IDENTIFIER=streamd";
    static iovec iov(std::string_view s) { return {const_cast<char*>(s.data()), s.size()}; }
};

// JOURNAL_STREAM holds "device:inode" of the journal stream; only trust it when it
// names our actual stderr, since the variable is inherited by children.
bool stderr_is_journal() {
    const char* env = std::getenv("JOURNAL_STREAM");
    if (!env) return false;
    unsigned long long dev = 0, ino = 0;
    if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
    struct stat st {};
    return ::fstat(2, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

struct Level {
    std::string_view name;
    spdlog::level::level_enum spdlog_level;
};

// spdlog has fewer levels than syslog: the extra ones share their neighbour's.
constexpr Level kLevels[] = {
    {"emerg", spdlog::level::critical}, {"alert", spdlog::level::critical},
    {"crit", spdlog::level::critical},  {"err", spdlog::level::err},
    {"warning", spdlog::level::warn},   {"notice", spdlog::level::info},
    {"info", spdlog::level::info},      {"debug", spdlog::level::debug},
};

// Guards the two names below; the logger itself is thread-safe.
std::mutex control_mutex;
std::string level_name = "info";
std::string target_name = "console";

void apply() {
    auto level = std::find_if(std::begin(kLevels), std::end(kLevels),
                              [](const Level& l) { return l.name == level_name; });
    spdlog::default_logger()->set_level(target_name == "null" ? spdlog::level::off
                                                              : level->spdlog_level);
}

} // namespace

std::string log_level() {
    std::lock_guard lock(control_mutex);
    return level_name;
}

void set_log_level(std::string_view name) {
    std::lock_guard lock(control_mutex);
    if (std::none_of(std::begin(kLevels), std::end(kLevels),
                     [&](const Level& l) { return l.name == name; }))
        throw std::invalid_argument("unknown log level '" + std::string(name) +
                                    "'; use emerg, alert, crit, err, warning, notice, info "
                                    "or debug");
    level_name = name;
    apply();
}

std::string log_target() {
    std::lock_guard lock(control_mutex);
    return target_name;
}

void set_log_target(std::string_view name) {
    std::lock_guard lock(control_mutex);
    if (name != "console" && name != "journal" && name != "auto" && name != "null")
        throw std::invalid_argument("unsupported log target '" + std::string(name) +
                                    "'; use console, journal, auto or null");
    target_name = name;
    console_only = name == "console";
    apply();
}

void setup_logging(bool verbose) {
    std::shared_ptr<spdlog::logger> logger;
    bool native_journal = false;
    if (stderr_is_journal()) {
        auto sink = std::make_shared<JournalSink>();
        native_journal = sink->native();
        logger = std::make_shared<spdlog::logger>("streamd", std::move(sink));
    } else {
        logger = spdlog::stderr_color_mt("streamd");
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    }
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
    if (native_journal) set_log_target("journal");
    set_log_level(verbose ? "debug" : "info");
}

} // namespace streamd

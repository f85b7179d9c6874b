#include "log.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <sys/stat.h>

namespace streamd {

namespace {

// Under systemd, stderr is a journal stream: a "<N>" prefix sets each line's priority
// and the journal adds its own timestamp.
class JournalStreamSink : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        int priority = 6;
        switch (msg.level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            priority = 7;
            break;
        case spdlog::level::info:
            priority = 6;
            break;
        case spdlog::level::warn:
            priority = 4;
            break;
        case spdlog::level::err:
            priority = 3;
            break;
        case spdlog::level::critical:
            priority = 2;
            break;
        default:
            break;
        }
        std::fprintf(stderr, "<%d>%.*s\n", priority, static_cast<int>(msg.payload.size()),
                     msg.payload.data());
    }
    void flush_() override { std::fflush(stderr); }
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
    apply();
}

void setup_logging(bool verbose) {
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal()) {
        logger = std::make_shared<spdlog::logger>("streamd", std::make_shared<JournalStreamSink>());
    } else {
        logger = spdlog::stderr_color_mt("streamd");
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    }
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
    set_log_level(verbose ? "debug" : "info");
}

} // namespace streamd

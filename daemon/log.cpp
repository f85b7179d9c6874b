#include "log.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
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

} // namespace

void setup_logging(bool verbose) {
    std::shared_ptr<spdlog::logger> logger;
    if (stderr_is_journal()) {
        logger = std::make_shared<spdlog::logger>("streamd", std::make_shared<JournalStreamSink>());
    } else {
        logger = spdlog::stderr_color_mt("streamd");
        logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    }
    logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
}

} // namespace streamd

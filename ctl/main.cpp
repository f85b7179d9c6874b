// streamctl: queue transfers on streamd and follow them over D-Bus.

#include "arguments.hpp"
#include "cancel_command.hpp"
#include "failure.hpp"
#include "get_command.hpp"
#include "list_command.hpp"
#include "reload_command.hpp"
#include "send_command.hpp"
#include "stats_command.hpp"
#include "status_command.hpp"
#include "version.hpp"
#include "watch_command.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>
#include <vector>

using namespace streamd::ctl;

namespace {

template <typename... Handlers> struct Overloaded : Handlers... { using Handlers::operator()...; };
// C++20 deduces the aggregate's arguments on its own; clang before 17 needs the guide.
template <typename... Handlers> Overloaded(Handlers...) -> Overloaded<Handlers...>;

int run(const Invocation& inv) {
    return std::visit(Overloaded{
                          [](const HelpRequest& r) {
                              std::fputs(usage_text(r.command).c_str(), stdout);
                              return 0;
                          },
                          [](const VersionRequest&) {
                              std::puts("streamctl " STREAMD_VERSION);
                              return 0;
                          },
                          [&](const SendRequest& r) { return run_send(r, inv.bus); },
                          [&](const GetRequest& r) { return run_get(r, inv.bus); },
                          [&](const ListRequest& r) { return run_list(r, inv.bus); },
                          [&](const StatusRequest& r) { return run_status(r, inv.bus); },
                          [&](const CancelRequest& r) { return run_cancel(r, inv.bus); },
                          [&](const StatsRequest& r) { return run_stats(r, inv.bus); },
                          [&](const WatchRequest& r) { return run_watch(r, inv.bus); },
                          [&](const ReloadRequest& r) { return run_reload(r, inv.bus); },
                      },
                      inv.request);
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    Invocation inv;
    try {
        inv = parse_arguments(args);
    } catch (const UsageError& e) {
        std::fprintf(stderr, "streamctl: %s\n%s\n", e.what(), usage_hint(e).c_str());
        return 2;
    }

    int status = 1;
    try {
        status = run(inv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "streamctl: %s\n", e.what());
        return 1;
    }
    // Output that never arrived (a full disk, a closed pipe) is a failure too.
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        std::fprintf(stderr, "streamctl: cannot write to standard output: %s\n",
                     std::strerror(errno));
        return 1;
    }
    return status;
}

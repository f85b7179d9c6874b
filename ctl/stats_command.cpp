#include "stats_command.hpp"

#include "bus_client.hpp"
#include "stats_json.hpp"
#include "stats_text.hpp"

#include <cstdio>

namespace streamd::ctl {

int run_stats(const StatsRequest& request, BusKind bus) {
    BusClient client(bus);
    const DaemonStats stats = client.stats();
    const std::string out =
        request.json ? format_stats_json(stats, *request.json) + "\n" : format_stats_text(stats);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

} // namespace streamd::ctl

#include "get_command.hpp"

#include "bus_client.hpp"
#include "live_block.hpp"
#include "send_summary.hpp"
#include "terminal_text.hpp"
#include "transfer_follow.hpp"

#include <chrono>
#include <cstdio>
#include <unistd.h>

namespace streamd::ctl {

int run_get(const GetRequest& request, BusKind bus) {
    std::map<std::string, sdbus::Variant> options;
    if (request.as) options["as"] = sdbus::Variant(*request.as);
    if (request.streams) options["streams"] = sdbus::Variant(*request.streams);
    if (request.chunk_size) options["chunk_size"] = sdbus::Variant(*request.chunk_size);

    BusClient client(bus);
    const auto started = std::chrono::steady_clock::now();
    TransferRef transfer;
    {
        // The other streamd answers, and its first stream comes, within a round trip or two:
        // a line says what is awaited meanwhile.
        LiveBlock display(stderr, STDERR_FILENO);
        if (request.wait)
            display.show({"asking " + printable(request.source) + " for " +
                          printable(request.name) + "..."});
        transfer = client.get(request.source, request.name, options);
    }
    std::vector<Followed> followed{{request.as.value_or(request.name), transfer}};
    if (!request.wait) {
        std::printf("%u\n", followed.front().transfer.id);
        return 0;
    }
    return follow_transfers(client, followed, started,
                            [&](const Followed& f, std::string_view stored, double seconds) {
                                return format_get_summary(request.name, request.source, stored,
                                                          f.last.size, seconds, f.last.files);
                            });
}

} // namespace streamd::ctl

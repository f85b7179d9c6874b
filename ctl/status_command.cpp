#include "status_command.hpp"

#include "bus_client.hpp"
#include "output_style.hpp"
#include "transfer_status.hpp"
#include "transfer_status_json.hpp"

#include <cstdio>
#include <unistd.h>

namespace streamd::ctl {

int run_status(const StatusRequest& request, BusKind bus) {
    BusClient client(bus);
    std::vector<TransferSnapshot> found;
    int status = 0;
    for (const uint32_t id : request.ids) {
        try {
            found.push_back(client.transfer_snapshot(client.transfer_by_id(id)));
        } catch (const sdbus::Error& e) {
            if (!is_unknown_transfer(e)) throw client.failure(e);
            std::fprintf(stderr, "streamctl: no transfer %u\n", id);
            status = 1;
        }
    }

    std::string out;
    if (request.json) {
        // One id asks for one object; when it is unknown there is nothing to print.
        const bool as_array = request.ids.size() > 1;
        if (as_array || !found.empty())
            out = format_transfer_status_json(found, *request.json, as_array) + "\n";
    } else {
        const bool colour = colour_on(STDOUT_FILENO);
        for (const TransferSnapshot& s : found) {
            if (!out.empty()) out += '\n';
            out += format_transfer_status(s, colour);
        }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return status;
}

} // namespace streamd::ctl

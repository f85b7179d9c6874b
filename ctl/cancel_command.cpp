#include "cancel_command.hpp"

#include "bus_client.hpp"

#include <cstdio>

namespace streamd::ctl {

int run_cancel(const CancelRequest& request, BusKind bus) {
    BusClient client(bus);
    int status = 0;
    for (const uint32_t id : request.ids) {
        try {
            client.cancel_transfer(id);
        } catch (const Failure& e) {
            std::fprintf(stderr, "streamctl: cannot cancel transfer %u: %s\n", id, e.what());
            status = 1;
        }
    }
    return status;
}

} // namespace streamd::ctl

#include "reload_command.hpp"

#include "bus_client.hpp"

namespace streamd::ctl {

int run_reload(const ReloadRequest&, BusKind bus) {
    BusClient client(bus);
    client.reload();
    return 0;
}

} // namespace streamd::ctl

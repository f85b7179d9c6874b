#include "list_command.hpp"

#include "bus_client.hpp"
#include "transfer_json.hpp"
#include "transfer_table.hpp"

#include <cstdio>

namespace streamd::ctl {

int run_list(const ListRequest& request, BusKind bus) {
    BusClient client(bus);
    const std::vector<TransferRow> rows = client.list_transfers();
    const std::string out =
        request.json ? format_transfer_json(rows) + "\n" : format_transfer_table(rows);
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

} // namespace streamd::ctl

#include "list_command.hpp"

#include "bus_client.hpp"
#include "output_style.hpp"
#include "transfer_json.hpp"
#include "transfer_table.hpp"

#include <cstdio>
#include <unistd.h>

namespace streamd::ctl {

int run_list(const ListRequest& request, BusKind bus) {
    BusClient client(bus);
    std::vector<TransferRow> rows = client.list_transfers();
    for (TransferRow& r : rows)
        client.fill_in(r, request.json.has_value());
    const std::string out = request.json
                                ? format_transfer_json(rows, *request.json) + "\n"
                                : format_transfer_table(rows, {.legend = request.legend,
                                                               .colour = colour_on(STDOUT_FILENO)});
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

} // namespace streamd::ctl

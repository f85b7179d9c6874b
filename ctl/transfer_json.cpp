#include "transfer_json.hpp"

#include "json_writer.hpp"

namespace streamd::ctl {

std::string format_transfer_json(const std::vector<TransferRow>& rows) {
    JsonWriter json;
    json.begin_array();
    for (const TransferRow& r : rows) {
        json.begin_object();
        json.key("id");
        json.number(r.id);
        json.key("direction");
        json.string(r.direction);
        json.key("state");
        json.string(r.state);
        json.key("name");
        json.string(r.name);
        json.key("peer");
        json.string(r.peer);
        json.key("size");
        json.number(r.size);
        json.key("bytes_done");
        json.number(r.bytes_done);
        json.key("path");
        json.string(r.path);
        json.end_object();
    }
    json.end_array();
    return json.text();
}

} // namespace streamd::ctl

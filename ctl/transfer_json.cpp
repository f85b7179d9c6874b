#include "transfer_json.hpp"

namespace streamd::ctl {

void write_transfer_row(JsonWriter& json, const TransferRow& r) {
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
    json.key("rate");
    json.number(r.rate);
    json.key("error");
    json.string(r.error);
    json.key("path");
    json.string(r.path);
    json.end_object();
}

std::string format_transfer_json(const std::vector<TransferRow>& rows, JsonStyle style) {
    JsonWriter json(style);
    json.begin_array();
    for (const TransferRow& r : rows)
        write_transfer_row(json, r);
    json.end_array();
    return json.text();
}

} // namespace streamd::ctl

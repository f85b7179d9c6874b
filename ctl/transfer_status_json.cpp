#include "transfer_status_json.hpp"

namespace streamd::ctl {

namespace {

void write_status(JsonWriter& json, const TransferSnapshot& t) {
    json.begin_object();
    json.key("id");
    json.number(t.id);
    json.key("direction");
    json.string(t.direction);
    json.key("state");
    json.string(t.state);
    json.key("name");
    json.string(t.name);
    json.key("peer");
    json.string(t.peer);
    json.key("size");
    json.number(t.size);
    json.key("bytes_done");
    json.number(t.bytes_done);
    json.key("rate");
    json.number(t.rate);
    json.key("eta");
    json.number(t.eta);
    json.key("streams");
    json.number(t.streams);
    json.key("chunk_size");
    json.number(t.chunk_size);
    json.key("stored_name");
    json.string(t.stored_name);
    json.key("error");
    json.string(t.error);
    json.key("created_at");
    json.number(t.created_at);
    json.key("started_at");
    json.number(t.started_at);
    json.key("finished_at");
    json.number(t.finished_at);
    json.key("path");
    json.string(t.path);
    json.end_object();
}

} // namespace

std::string format_transfer_status_json(const std::vector<TransferSnapshot>& transfers,
                                        JsonStyle style, bool as_array) {
    JsonWriter json(style);
    if (as_array) json.begin_array();
    for (const TransferSnapshot& t : transfers)
        write_status(json, t);
    if (as_array) json.end_array();
    return json.text();
}

} // namespace streamd::ctl

#include "transfer_status_json.hpp"

#include "transfer_json.hpp"

namespace streamd::ctl {

namespace {

void write_status(JsonWriter& json, const TransferSnapshot& t) {
    json.begin_object();
    json.member("id", t.id);
    json.member("direction", t.direction);
    json.member("state", t.state);
    json.member("name", t.name);
    json.member("peer", t.peer);
    json.member("size", t.size);
    json.member("bytes_done", t.bytes_done);
    json.member("files", t.files);
    json.member("files_done", t.files_done);
    write_skipped(json, t.skipped);
    json.member("rate", t.rate);
    json.member("eta", t.eta);
    json.member("streams", t.streams);
    json.member("chunk_size", t.chunk_size);
    json.member("max_rate", t.max_rate);
    json.member("encryption", t.encryption);
    json.member("stored_name", t.stored_name);
    json.member("error", t.error);
    json.member("created_at", t.created_at);
    json.member("started_at", t.started_at);
    json.member("finished_at", t.finished_at);
    json.member("path", t.path);
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

#include "transfer_json.hpp"

namespace streamd::ctl {

void write_skipped(JsonWriter& json, const std::vector<SkippedEntry>& skipped) {
    json.key("skipped");
    json.begin_array();
    for (const SkippedEntry& s : skipped) {
        json.begin_object();
        json.member("path", s.path);
        json.member("reason", s.reason);
        json.end_object();
    }
    json.end_array();
}

void write_transfer_row(JsonWriter& json, const TransferRow& r) {
    json.begin_object();
    json.member("id", r.id);
    json.member("direction", r.direction);
    json.member("state", r.state);
    json.member("name", r.name);
    json.member("peer", r.peer);
    json.member("size", r.size);
    json.member("bytes_done", r.bytes_done);
    json.member("files", r.files);
    json.member("files_done", r.files_done);
    json.member("rate", r.rate);
    json.member("error", r.error);
    // Read from the transfer's own object only where asked for (list, not watch).
    if (!r.encryption.empty()) json.member("encryption", r.encryption);
    if (r.skipped) write_skipped(json, *r.skipped);
    json.member("path", r.path);
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

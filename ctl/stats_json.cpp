#include "stats_json.hpp"

namespace streamd::ctl {

namespace {

template <typename T>
void number(JsonWriter& json, std::string_view key, const std::optional<T>& v) {
    if (!v) return;
    json.key(key);
    json.number(*v);
}

void text(JsonWriter& json, std::string_view key, const std::optional<std::string>& v) {
    if (!v) return;
    json.key(key);
    json.string(*v);
}

} // namespace

std::string format_stats_json(const DaemonStats& s, JsonStyle style) {
    JsonWriter json(style);
    json.begin_object();
    number(json, "bytes_in", s.bytes_in);
    number(json, "bytes_out", s.bytes_out);
    number(json, "transfers_done", s.transfers_done);
    number(json, "transfers_failed", s.transfers_failed);
    number(json, "transfers_canceled", s.transfers_canceled);
    number(json, "active_in", s.active_in);
    number(json, "active_out", s.active_out);
    number(json, "queued", s.queued);
    number(json, "rate_in", s.rate_in);
    number(json, "rate_out", s.rate_out);
    number(json, "max_active", s.max_active);
    number(json, "keep_finished", s.keep_finished);
    number(json, "started_at", s.started_at);
    text(json, "version", s.version);
    text(json, "tls", s.tls);
    text(json, "tls_certificate", s.tls_certificate);
    text(json, "tls_fingerprint", s.tls_fingerprint);
    json.end_object();
    return json.text();
}

} // namespace streamd::ctl

// `streamctl list --json` (and `watch --json`): the transfers for programs.
#pragma once

#include "json_writer.hpp"
#include "transfer_row.hpp"

#include <string>
#include <vector>

namespace streamd::ctl {

// "skipped": [{"path", "reason"}...], what of a folder its sender left out.
void write_skipped(JsonWriter& json, const std::vector<SkippedEntry>& skipped);

// One transfer as an object with the keys id, direction, state, name, peer, size,
// bytes_done, files, files_done, rate, error, encryption and skipped (where read) and path.
void write_transfer_row(JsonWriter& json, const TransferRow& row);

// An array of those objects, without a trailing newline.
std::string format_transfer_json(const std::vector<TransferRow>& rows,
                                 JsonStyle style = JsonStyle::Compact);

} // namespace streamd::ctl

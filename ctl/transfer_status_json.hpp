// `streamctl status --json`: a transfer's properties for programs.
#pragma once

#include "json_writer.hpp"
#include "transfer_snapshot.hpp"

#include <string>
#include <vector>

namespace streamd::ctl {

// One object with the keys id, direction, state, name, peer, size, bytes_done, files,
// files_done, rate, eta, streams, chunk_size, max_rate, encryption, stored_name, error,
// created_at, started_at, finished_at and path, or an array of them when `as_array`. No
// trailing newline.
std::string format_transfer_status_json(const std::vector<TransferSnapshot>& transfers,
                                        JsonStyle style, bool as_array);

} // namespace streamd::ctl

// Log messages about one transfer: "transfer 42: ...", and in the journal the fields
// TRANSFER_ID, DIRECTION, PEER, BYTES and, once it has ended, RESULT, so that
// `journalctl -u streamd TRANSFER_ID=42` shows its story.
#pragma once

#include "engine/journal_fields.hpp"
#include "transfer/transfer.hpp"

#include <spdlog/spdlog.h>
#include <string>
#include <utility>
#include <vector>

namespace streamd {

std::vector<std::string> journal_fields(const Transfer& t);

template <typename... Args>
void log_transfer(spdlog::level::level_enum level, const Transfer& t,
                  fmt::format_string<Args...> format, Args&&... args) {
    JournalFields fields(journal_fields(t));
    spdlog::log(level, "transfer {}: {}", t.id(), fmt::format(format, std::forward<Args>(args)...));
}

} // namespace streamd

// Extra journal fields for what one thread logs meanwhile ("TRANSFER_ID=42"), so that
// journalctl can select a transfer's messages; the journal sink (control/log.cpp) adds
// them, other log targets ignore them.
#pragma once

#include <string>
#include <vector>

namespace streamd {

// While one lives, the messages this thread logs carry these fields.
class JournalFields {
public:
    explicit JournalFields(std::vector<std::string> fields);
    JournalFields(const JournalFields&) = delete;
    JournalFields& operator=(const JournalFields&) = delete;
    ~JournalFields();

private:
    std::vector<std::string> fields_;
    const std::vector<std::string>* outer_; // the fields this one covers, restored after
};

// The fields in force on this thread, or null.
const std::vector<std::string>* journal_fields_in_force();

} // namespace streamd

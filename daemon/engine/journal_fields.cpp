#include "engine/journal_fields.hpp"

namespace streamd {

namespace {
thread_local const std::vector<std::string>* current_fields = nullptr;
} // namespace

JournalFields::JournalFields(std::vector<std::string> fields)
    : fields_(std::move(fields)), outer_(current_fields) {
    current_fields = &fields_;
}

JournalFields::~JournalFields() {
    current_fields = outer_;
}

const std::vector<std::string>* journal_fields_in_force() {
    return current_fields;
}

} // namespace streamd

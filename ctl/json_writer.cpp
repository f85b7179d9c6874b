#include "json_writer.hpp"

#include "json_value.hpp"

namespace streamd::ctl {

void JsonWriter::new_line(size_t depth) {
    out_ += '\n';
    out_.append(2 * depth, ' ');
}

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!has_member_.empty()) {
        if (has_member_.back()) out_ += ',';
        has_member_.back() = true;
        if (style_ == JsonStyle::Pretty) new_line(has_member_.size());
    }
}

void JsonWriter::end_container(char close) {
    // An empty container stays "[]" or "{}" on one line.
    if (style_ == JsonStyle::Pretty && has_member_.back()) new_line(has_member_.size() - 1);
    out_ += close;
    has_member_.pop_back();
}

void JsonWriter::begin_array() {
    before_value();
    out_ += '[';
    has_member_.push_back(false);
}

void JsonWriter::end_array() {
    end_container(']');
}

void JsonWriter::begin_object() {
    before_value();
    out_ += '{';
    has_member_.push_back(false);
}

void JsonWriter::end_object() {
    end_container('}');
}

void JsonWriter::key(std::string_view name) {
    before_value();
    proto::append_json_string(out_, name);
    out_ += style_ == JsonStyle::Pretty ? ": " : ":";
    after_key_ = true;
}

void JsonWriter::string(std::string_view value) {
    before_value();
    proto::append_json_string(out_, value);
}

void JsonWriter::number(uint64_t value) {
    before_value();
    out_ += std::to_string(value);
}

} // namespace streamd::ctl

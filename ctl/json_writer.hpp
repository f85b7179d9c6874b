// JSON output, compact or indented. Strings are arbitrary bytes from the daemon and the
// network, so the writer always produces valid JSON: control characters are escaped and bytes
// that are not UTF-8 become \ufffd.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::ctl {

// --json writes one line, --json=pretty indents by two spaces, one member a line.
enum class JsonStyle { Compact, Pretty };

class JsonWriter {
public:
    explicit JsonWriter(JsonStyle style = JsonStyle::Compact) : style_(style) {}

    void begin_array();
    void end_array();
    void begin_object();
    void end_object();
    // Inside an object, each value is preceded by its key.
    void key(std::string_view name);
    void string(std::string_view value);
    void number(uint64_t value);
    // key() and its value in one.
    void member(std::string_view name, std::string_view value) {
        key(name);
        string(value);
    }
    void member(std::string_view name, uint64_t value) {
        key(name);
        number(value);
    }

    const std::string& text() const { return out_; }

private:
    void before_value();
    void end_container(char close);
    void new_line(size_t depth);

    JsonStyle style_;
    std::string out_;
    // One entry per open container: whether it already holds a member.
    std::vector<bool> has_member_;
    bool after_key_ = false;
};

} // namespace streamd::ctl

// "Key: value" lines with the keys right-aligned, as timedatectl and systemctl status show
// them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamd::ctl {

class KeyValueLines {
public:
    void add(std::string_view key, std::string value) {
        lines_.emplace_back(std::string(key), std::move(value));
    }

    // Keys padded on the left to `key_width`, or to the longest key when that is wider.
    // Every line ends in '\n'.
    std::string text(size_t key_width = 0) const;

private:
    std::vector<std::pair<std::string, std::string>> lines_;
};

} // namespace streamd::ctl

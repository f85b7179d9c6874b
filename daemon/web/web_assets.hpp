// The files of the web page, built into the binary from daemon/web/.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace streamd {

struct WebAsset {
    std::string_view name; // bare file name, as in daemon/web/
    std::string_view content_type;
    std::span<const unsigned char> bytes;
};

std::span<const WebAsset> web_assets();

// The asset called `name`, or nullptr.
inline const WebAsset* find_web_asset(std::string_view name) {
    for (const auto& a : web_assets())
        if (a.name == name) return &a;
    return nullptr;
}

} // namespace streamd

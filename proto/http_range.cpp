#include "http_range.hpp"

#include "http_request.hpp"

#include <optional>

namespace streamd::proto::http {

namespace {

std::optional<uint64_t> decimal(std::string_view s) {
    if (s.empty()) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        auto digit = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
        v = v * 10 + digit;
    }
    return v;
}

} // namespace

RangeRequest evaluate_range(std::string_view field, uint64_t size) {
    constexpr std::string_view kUnit = "bytes";
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) return WholeRepresentation{};
    std::string_view unit = field.substr(0, eq);
    while (!unit.empty() && (unit.back() == ' ' || unit.back() == '\t'))
        unit.remove_suffix(1);
    if (!equal_ignoring_case(unit, kUnit)) return WholeRepresentation{};
    auto specs = split_list(field.substr(eq + 1));
    if (specs.size() != 1) return WholeRepresentation{};
    std::string_view spec = specs.front();
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return WholeRepresentation{};
    std::string_view first_text = spec.substr(0, dash);
    std::string_view last_text = spec.substr(dash + 1);
    if (first_text.empty()) {
        // suffix-range: the last n bytes.
        auto n = decimal(last_text);
        if (!n) return WholeRepresentation{};
        if (*n == 0 || size == 0) return Unsatisfiable{};
        return ByteRange{*n >= size ? 0 : size - *n, size - 1};
    }
    auto first = decimal(first_text);
    if (!first) return WholeRepresentation{};
    uint64_t last = UINT64_MAX;
    if (!last_text.empty()) {
        auto l = decimal(last_text);
        if (!l || *l < *first) return WholeRepresentation{};
        last = *l;
    }
    if (*first >= size) return Unsatisfiable{};
    return ByteRange{*first, std::min(last, size - 1)};
}

std::string content_range(const ByteRange& range, uint64_t size) {
    return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
           std::to_string(size);
}

std::string unsatisfied_content_range(uint64_t size) {
    return "bytes */" + std::to_string(size);
}

} // namespace streamd::proto::http

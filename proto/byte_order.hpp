// Big-endian field encoding for the native protocol, with bounds-checked reads.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace streamd::proto {

// Thrown for any input that does not decode; the message names the field at fault.
class FrameError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Writer {
public:
    explicit Writer(std::vector<uint8_t>& out) : out_(out) {}

    void u8(uint8_t v) { out_.push_back(v); }
    void u16(uint16_t v) { be(v, 2); }
    void u32(uint32_t v) { be(v, 4); }
    void u64(uint64_t v) { be(v, 8); }
    void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
    void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
    void bytes(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
    // Its length in a u16, then its bytes; the caller has bounded it to 65535.
    void short_string(std::string_view s) {
        u16(static_cast<uint16_t>(s.size()));
        bytes(s);
    }

private:
    void be(uint64_t v, int n) {
        for (int i = n - 1; i >= 0; --i)
            out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
    }
    std::vector<uint8_t>& out_;
};

class Reader {
public:
    explicit Reader(std::span<const uint8_t> in) : in_(in) {}

    uint8_t u8() { return static_cast<uint8_t>(be(1)); }
    uint16_t u16() { return static_cast<uint16_t>(be(2)); }
    uint32_t u32() { return static_cast<uint32_t>(be(4)); }
    uint64_t u64() { return be(8); }
    void skip(size_t n) { take(n); }
    std::span<const uint8_t> bytes(size_t n) { return take(n); }
    std::string string(size_t n) {
        auto b = take(n);
        return {b.begin(), b.end()};
    }
    size_t remaining() const { return in_.size() - pos_; }

private:
    std::span<const uint8_t> take(size_t n) {
        if (n > remaining()) throw FrameError("frame body is truncated");
        auto s = in_.subspan(pos_, n);
        pos_ += n;
        return s;
    }
    uint64_t be(size_t n) {
        uint64_t v = 0;
        for (uint8_t b : take(n))
            v = (v << 8) | b;
        return v;
    }
    std::span<const uint8_t> in_;
    size_t pos_ = 0;
};

} // namespace streamd::proto

// A read-only mapping of part of a file, so that digests read the page cache in place.
#pragma once

#include <cstdint>
#include <span>

namespace streamd {

class MappedRegion {
public:
    // Throws std::system_error.
    MappedRegion(int fd, uint64_t offset, size_t length);
    MappedRegion(const MappedRegion&) = delete;
    MappedRegion& operator=(const MappedRegion&) = delete;
    ~MappedRegion();

    std::span<const uint8_t> bytes() const { return {data_, length_}; }

private:
    void* base_ = nullptr;
    size_t mapped_ = 0;
    const uint8_t* data_ = nullptr;
    size_t length_ = 0;
};

} // namespace streamd

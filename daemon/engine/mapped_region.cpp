#include "engine/mapped_region.hpp"

#include <cerrno>
#include <sys/mman.h>
#include <system_error>
#include <unistd.h>

namespace streamd {

MappedRegion::MappedRegion(int fd, uint64_t offset, size_t length) : length_(length) {
    if (length == 0) return;
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    uint64_t start = offset - offset % page;
    mapped_ = length + (offset - start);
    // MAP_POPULATE: the pages are about to be read once, sequentially; faulting them
    // in one call is much cheaper than one fault per page.
    base_ = ::mmap(nullptr, mapped_, PROT_READ, MAP_SHARED | MAP_POPULATE, fd,
                   static_cast<off_t>(start));
    if (base_ == MAP_FAILED) {
        base_ = nullptr;
        throw std::system_error(errno, std::generic_category(), "mmap");
    }
    data_ = static_cast<const uint8_t*>(base_) + (offset - start);
}

MappedRegion::~MappedRegion() {
    if (base_) ::munmap(base_, mapped_);
}

} // namespace streamd

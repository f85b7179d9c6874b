#include "tmpfs_mount.hpp"

#include <cerrno>
#include <sys/mount.h>
#include <system_error>

namespace streamd::it {

TmpfsMount::TmpfsMount(std::filesystem::path where, const std::string& size)
    : where_(std::move(where)) {
    const std::string options = "size=" + size + ",mode=0755";
    if (::mount("tmpfs", where_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0)
        throw std::system_error(errno, std::generic_category(),
                                "cannot mount a tmpfs on " + where_.string());
}

TmpfsMount::~TmpfsMount() {
    // Detached, so that a file still open somewhere cannot keep the test's folder busy.
    ::umount2(where_.c_str(), MNT_DETACH);
}

} // namespace streamd::it

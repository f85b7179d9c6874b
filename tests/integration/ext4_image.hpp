// An ext4 file system in an image file, loop-mounted on a folder for as long as the object
// lives, whose power a test can cut as xfstests does: EXT4_IOC_SHUTDOWN with
// EXT4_GOING_FLAGS_NOLOGFLUSH, and everything not yet on the image is lost. Needs
// CAP_SYS_ADMIN, mkfs.ext4 and mount(8).
#pragma once

#include <cstdint>
#include <filesystem>

namespace streamd::it {

class Ext4Image {
public:
    // Makes a sparse image of `bytes` in `folder` and mounts it on `where`; throws
    // std::runtime_error saying what failed. The image goes with the object.
    Ext4Image(const std::filesystem::path& folder, std::filesystem::path where,
              std::uint64_t bytes);
    ~Ext4Image();
    Ext4Image(const Ext4Image&) = delete;
    Ext4Image& operator=(const Ext4Image&) = delete;

    // The file system stops at once without writing its log: from now on every write and
    // sync on it fails with EIO, as on a disk that failed.
    void shut_down();
    // A power cut: shut_down(), then unmounted and mounted again, holding only what had
    // reached the image. Whoever had files open on it must be gone first (a daemon killed
    // with SIGKILL).
    void power_cut();

private:
    void mount();
    void unmount();

    std::filesystem::path image_;
    std::filesystem::path where_;
    bool mounted_ = false;
};

} // namespace streamd::it

#include "ext4_image.hpp"

#include "process.hpp"
#include "unique_fd.hpp"
#include "wait_until.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <unistd.h>

namespace streamd::it {

namespace {

// From fs/ext4/ext4.h, which the kernel does not export (XFS's GOINGDOWN is the same).
constexpr unsigned long kExt4IocShutdown = _IOR('X', 125, std::uint32_t);
constexpr std::uint32_t kGoingFlagsNoLogFlush = 0x2;

void run_or_throw(const std::vector<std::string>& argv) {
    RunResult r = run(SpawnOptions{.argv = argv}, std::chrono::minutes(2));
    if (!r.status.success()) throw std::runtime_error(r.describe());
}

} // namespace

Ext4Image::Ext4Image(const std::filesystem::path& folder, std::filesystem::path where,
                     std::uint64_t bytes)
    : where_(std::move(where)) {
    {
        std::string pattern = (folder / "streamd-disk-XXXXXX.img").string();
        UniqueFd fd(::mkstemps(pattern.data(), 4));
        if (!fd) throw std::runtime_error("cannot make an image in " + folder.string());
        image_ = pattern;
        if (::ftruncate(fd.get(), static_cast<off_t>(bytes)) != 0)
            throw std::runtime_error("cannot size image " + image_.string() + ": " +
                                     std::strerror(errno));
    }
    // Initialised now rather than by a kernel thread in the background, which would write
    // to the image while a test or a benchmark measures it.
    run_or_throw(
        {"mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", image_.string()});
    std::filesystem::create_directories(where_);
    mount();
}

Ext4Image::~Ext4Image() {
    // Detached, so that a file still open somewhere cannot keep the test's folder busy; the
    // loop device goes with the last user.
    if (mounted_) ::umount2(where_.c_str(), MNT_DETACH);
    ::unlink(image_.c_str());
}

void Ext4Image::mount() {
    run_or_throw({"mount", "-t", "ext4", "-o", "loop", image_.string(), where_.string()});
    mounted_ = true;
}

void Ext4Image::unmount() {
    // The files of a process just killed are let go a little later: its io_uring
    // instance, and the syncs that were under way, are torn down after it has died.
    RunResult last;
    if (!wait_until([&] {
            last = run(SpawnOptions{.argv = {"umount", where_.string()}}, std::chrono::minutes(1));
            return last.status.success();
        }))
        throw std::runtime_error(last.describe());
    mounted_ = false;
}

void Ext4Image::shut_down() {
    UniqueFd fs(::open(where_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::uint32_t flags = kGoingFlagsNoLogFlush;
    if (!fs || ::ioctl(fs.get(), kExt4IocShutdown, &flags) != 0)
        throw std::runtime_error("cannot shut down the file system on " + where_.string() + ": " +
                                 std::strerror(errno));
}

void Ext4Image::power_cut() {
    shut_down();
    unmount();
    mount();
}

} // namespace streamd::it

// One daemon per folder: two streamd on the same state folder would both pick up and send
// the same transfers, and two on the same incoming folder would write the same partial
// files. Each daemon holds flock(2) on the folder itself while it runs, so no file of the
// lock's own appears in it, and the kernel drops the lock when the process ends, however
// it ends: nothing stale is left to clear by hand.
#pragma once

#include "unique_fd.hpp"

#include <filesystem>
#include <string>

namespace streamd {

class FolderLock {
public:
    // `what` names the folder for people: "incoming folder". Throws std::runtime_error
    // naming the folder and the process that holds it, or std::system_error.
    FolderLock(const std::filesystem::path& folder, const std::string& what);

private:
    UniqueFd fd_;
};

} // namespace streamd

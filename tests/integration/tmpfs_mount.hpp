// A small tmpfs mounted on a folder for as long as the object lives: a disk that fills up
// on purpose. Needs CAP_SYS_ADMIN.
#pragma once

#include <filesystem>
#include <string>

namespace streamd::it {

class TmpfsMount {
public:
    // `size` as mount(8) takes it, e.g. "8m". Throws std::system_error.
    TmpfsMount(std::filesystem::path where, const std::string& size);
    ~TmpfsMount();
    TmpfsMount(const TmpfsMount&) = delete;
    TmpfsMount& operator=(const TmpfsMount&) = delete;

private:
    std::filesystem::path where_;
};

} // namespace streamd::it

#include "engine/sync_group.hpp"

#include "engine/connection.hpp"

#include <stdexcept>

namespace streamd {

void SyncGroup::start(std::initializer_list<int> fds, bool data_only) {
    if (busy()) throw std::logic_error("a sync group started twice");
    error_ = 0;
    for (int fd : fds) {
        if (fd < 0) continue;
        owner_.sync_file(fd, op_, data_only);
        ++pending_;
    }
}

std::optional<int> SyncGroup::on_complete(int res) {
    if (res < 0 && error_ == 0) error_ = res;
    if (--pending_ > 0) return std::nullopt;
    return error_;
}

} // namespace streamd

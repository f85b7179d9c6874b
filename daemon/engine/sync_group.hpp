// Several files synced together off the loop, on a connection's ring: done once every
// sync came back, with the first error. A batch of received chunks needs the partial
// file and its journal on disk alike.
#pragma once

#include "engine/completion_tag.hpp"

#include <initializer_list>
#include <optional>

namespace streamd {

class Connection;

class SyncGroup {
public:
    // Its syncs complete on `owner` as `op`, whose handler passes them to on_complete().
    SyncGroup(Connection& owner, Op op) : owner_(owner), op_(op) {}

    bool busy() const { return pending_ > 0; }
    // fdatasync(2) of each of `fds` (which must stay open until done), or fsync(2) when
    // not `data_only`; descriptors below 0 are left out.
    void start(std::initializer_list<int> fds, bool data_only);
    // One came back with `res`: once all have, 0 or the first error (-errno).
    std::optional<int> on_complete(int res);

private:
    Connection& owner_;
    Op op_;
    unsigned pending_ = 0;
    int error_ = 0;
};

} // namespace streamd

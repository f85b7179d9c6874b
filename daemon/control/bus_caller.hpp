// Who sent a D-Bus call, as the bus vouches for it, and whether they may change things.
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace sdbus {
class Message;
}

namespace streamd {

struct BusCaller {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    std::vector<gid_t> groups;
    bool known = false; // false when the bus could not say
};

BusCaller caller_of(const sdbus::Message* call);

// Root, the user the daemon runs as, and members of `group` (primary or supplementary).
bool may_change(const BusCaller& caller, const std::string& group);

// "root", "alice" or "uid 1234", for logs and "canceled by ...".
std::string describe(const BusCaller& caller);

// Whether a group of that name exists, for a note at start.
bool group_exists(const std::string& group);

} // namespace streamd

#include "control/bus_caller.hpp"

#include <algorithm>
#include <grp.h>
#include <optional>
#include <pwd.h>
#include <sdbus-c++/Error.h>
#include <sdbus-c++/Message.h>
#include <unistd.h>

namespace streamd {

namespace {

std::optional<gid_t> group_id(const std::string& name) {
    std::vector<char> buffer(16 * 1024);
    group g{};
    group* found = nullptr;
    if (::getgrnam_r(name.c_str(), &g, buffer.data(), buffer.size(), &found) != 0 || !found)
        return std::nullopt;
    return found->gr_gid;
}

} // namespace

BusCaller caller_of(const sdbus::Message* call) {
    BusCaller c;
    if (!call) return c;
    // Each field on its own: a bus that cannot tell one may still tell the others.
    auto ask = [](auto get) -> std::optional<decltype(get())> {
        try {
            return get();
        } catch (const sdbus::Error&) {
            return std::nullopt;
        }
    };
    // Effective ids are what the kernel checks for the caller too.
    auto uid = ask([&] { return call->getCredsEuid(); });
    if (!uid) uid = ask([&] { return call->getCredsUid(); });
    if (!uid) return c;
    c.uid = *uid;
    c.known = true;
    auto gid = ask([&] { return call->getCredsEgid(); });
    if (!gid) gid = ask([&] { return call->getCredsGid(); });
    if (gid) c.gid = *gid;
    if (auto groups = ask([&] { return call->getCredsSupplementaryGids(); })) c.groups = *groups;
    return c;
}

bool may_change(const BusCaller& caller, const std::string& group) {
    if (!caller.known) return false;
    if (caller.uid == 0 || caller.uid == ::geteuid()) return true;
    auto gid = group_id(group);
    if (!gid) return false;
    return caller.gid == *gid ||
           std::find(caller.groups.begin(), caller.groups.end(), *gid) != caller.groups.end();
}

std::string describe(const BusCaller& caller) {
    if (!caller.known) return "an unknown caller";
    std::vector<char> buffer(16 * 1024);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(caller.uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found)
        return found->pw_name;
    return "uid " + std::to_string(caller.uid);
}

bool group_exists(const std::string& group) {
    return group_id(group).has_value();
}

} // namespace streamd

// What a tree holds, by relative path: enough to tell any two trees apart that a receiver
// could get wrong (kind, mode, mtime to the nanosecond, a file's contents, a link's target).
#pragma once

#include <ctime>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <sys/types.h>

namespace streamd::it {

struct EntryFacts {
    char kind = '?'; // 'd', 'f' or 'l'
    mode_t mode = 0;
    std::time_t mtime_sec = 0;
    long mtime_nsec = 0;
    std::string content; // a file's digest, a link's target
    bool operator==(const EntryFacts&) const = default;
};

std::ostream& operator<<(std::ostream& out, const EntryFacts& e);

// A file's size and digest, read in-process: ten thousand files are too many for a
// sha256sum each.
std::string digest_of(const std::filesystem::path& file);

// Every entry beneath `top`, not `top` itself.
std::map<std::string, EntryFacts> tree_facts(const std::filesystem::path& top);

} // namespace streamd::it

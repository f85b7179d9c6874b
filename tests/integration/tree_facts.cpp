#include "tree_facts.hpp"

#include "digest.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <sys/stat.h>
#include <vector>

namespace streamd::it {

namespace fs = std::filesystem;

std::string digest_of(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
    return std::to_string(bytes.size()) + ":" + std::to_string(proto::chunk_digest(bytes));
}

std::ostream& operator<<(std::ostream& out, const EntryFacts& e) {
    return out << e.kind << " 0" << std::oct << e.mode << std::dec << " " << e.mtime_sec << "."
               << e.mtime_nsec << " " << e.content;
}

std::map<std::string, EntryFacts> tree_facts(const fs::path& top) {
    std::map<std::string, EntryFacts> out;
    for (auto it = fs::recursive_directory_iterator(top); it != fs::recursive_directory_iterator();
         ++it) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) throw std::runtime_error("lstat failed");
        EntryFacts e;
        e.mode = st.st_mode & 07777;
        e.mtime_sec = st.st_mtim.tv_sec;
        e.mtime_nsec = st.st_mtim.tv_nsec;
        if (S_ISDIR(st.st_mode)) {
            e.kind = 'd';
        } else if (S_ISREG(st.st_mode)) {
            e.kind = 'f';
            e.content = digest_of(it->path());
        } else if (S_ISLNK(st.st_mode)) {
            e.kind = 'l';
            e.mode = 0; // a link's own bits mean nothing on Linux
            e.content = fs::read_symlink(it->path()).string();
        }
        out[it->path().lexically_relative(top).string()] = e;
    }
    return out;
}

} // namespace streamd::it

#include "test_files.hpp"

#include "process.hpp"
#include "unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace streamd::it {

namespace {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    void fill(std::span<unsigned char> out) {
        size_t i = 0;
        for (; i + 8 <= out.size(); i += 8) {
            std::uint64_t word = next();
            std::memcpy(out.data() + i, &word, 8);
        }
        if (i < out.size()) {
            std::uint64_t word = next();
            std::memcpy(out.data() + i, &word, out.size() - i);
        }
    }

private:
    std::uint64_t state_;
};

[[noreturn]] void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

UniqueFd create(const std::filesystem::path& file) {
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (!fd) throw_errno("create " + file.string());
    return fd;
}

void write_all_at(int fd, std::span<const unsigned char> data, off_t offset,
                  const std::filesystem::path& file) {
    while (!data.empty()) {
        ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write " + file.string());
        data = data.subspan(static_cast<size_t>(n));
        offset += n;
    }
}

} // namespace

void write_random_file(const std::filesystem::path& file, std::uint64_t size, std::uint64_t seed) {
    UniqueFd fd = create(file);
    SplitMix64 random(seed);
    std::vector<unsigned char> buffer(static_cast<size_t>(std::min<std::uint64_t>(size, 4 * MiB)));
    for (std::uint64_t offset = 0; offset < size;) {
        auto piece = std::span(buffer).first(
            static_cast<size_t>(std::min<std::uint64_t>(buffer.size(), size - offset)));
        random.fill(piece);
        write_all_at(fd.get(), piece, static_cast<off_t>(offset), file);
        offset += piece.size();
    }
}

void write_sparse_file(const std::filesystem::path& file, std::uint64_t size,
                       std::span<const std::uint64_t> block_offsets, std::uint64_t seed) {
    UniqueFd fd = create(file);
    if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0)
        throw_errno("ftruncate " + file.string());
    SplitMix64 random(seed);
    std::vector<unsigned char> block(4 * KiB);
    for (std::uint64_t offset : block_offsets) {
        if (offset + block.size() > size)
            throw std::invalid_argument("sparse block past the end of " + file.string());
        random.fill(block);
        write_all_at(fd.get(), block, static_cast<off_t>(offset), file);
    }
}

void write_text_file(const std::filesystem::path& file, const std::string& text) {
    UniqueFd fd = create(file);
    write_all_at(fd.get(),
                 std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()), 0,
                 file);
}

void set_mtime(const std::filesystem::path& file, std::time_t seconds, long nanoseconds) {
    const timespec times[2] = {{seconds, nanoseconds}, {seconds, nanoseconds}};
    if (::utimensat(AT_FDCWD, file.c_str(), times, 0) != 0)
        throw_errno("utimensat " + file.string());
}

FileFacts facts_of(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) throw_errno("stat " + file.string());
    return FileFacts{static_cast<std::uint64_t>(st.st_size), st.st_mode & 07777, st.st_mtim.tv_sec};
}

std::string sha256_of(const std::filesystem::path& file) {
    RunResult result = run({.argv = {"sha256sum", "--", file.string()}}, std::chrono::minutes(5));
    // A name with a backslash or a newline makes sha256sum escape it and mark the line with a
    // leading backslash.
    const std::size_t start = result.out.starts_with('\\') ? 1 : 0;
    auto space = result.out.find(' ', start);
    if (!result.status.success() || space != start + 64)
        throw std::runtime_error("sha256sum failed:\n" + result.describe());
    return result.out.substr(start, 64);
}

std::vector<std::string> entries_in(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> partial_files_in(const std::filesystem::path& dir) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::string name = entry.path().filename().string();
        if (name.starts_with(".streamd-") && name.ends_with(".part")) names.push_back(name);
    }
    return names;
}

} // namespace streamd::it

#pragma once

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <span>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace streamd::it {

inline constexpr std::uint64_t KiB = 1024;
inline constexpr std::uint64_t MiB = 1024 * KiB;
inline constexpr std::uint64_t GiB = 1024 * MiB;

// `size` bytes from splitmix64 seeded with `seed`: incompressible, reproducible, and fast to make.
void write_random_file(const std::filesystem::path& file, std::uint64_t size, std::uint64_t seed);

// A sparse file of `size` bytes (ftruncate, so nothing dense is written) with a random 4 KiB
// block at each offset, so that it is neither all zero nor all hole.
void write_sparse_file(const std::filesystem::path& file, std::uint64_t size,
                       std::span<const std::uint64_t> block_offsets, std::uint64_t seed);

void write_text_file(const std::filesystem::path& file, const std::string& text);

void set_mtime(const std::filesystem::path& file, std::time_t seconds, long nanoseconds);

struct FileFacts {
    std::uint64_t size = 0;
    mode_t permissions = 0; // the 07777 bits
    std::time_t mtime_seconds = 0;
};
FileFacts facts_of(const std::filesystem::path& file);

// SHA-256 as printed by coreutils' sha256sum.
std::string sha256_of(const std::filesystem::path& file);

// Every name in `dir`, hidden ones too, sorted.
std::vector<std::string> entries_in(const std::filesystem::path& dir);

// Names of the receiver's partial files (".streamd-*.part") left in `dir`.
std::vector<std::string> partial_files_in(const std::filesystem::path& dir);

} // namespace streamd::it

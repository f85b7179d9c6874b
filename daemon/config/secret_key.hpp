// The key this daemon shares with its peers ([auth] secret_file): a peer proves it knows
// the key before it may send here, and this daemon proves it to the peers it sends to
// (docs/PROTOCOL.md, AUTH).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

namespace streamd {

class SecretKey {
public:
    SecretKey(std::filesystem::path path, std::vector<uint8_t> bytes);
    SecretKey(const SecretKey&) = delete;
    SecretKey& operator=(const SecretKey&) = delete;
    // Wipes the bytes, so that a key replaced by a reload does not linger in freed memory.
    ~SecretKey();

    const std::filesystem::path& path() const { return path_; }
    std::span<const uint8_t> bytes() const { return bytes_; }
    bool operator==(const SecretKey& other) const;

private:
    std::filesystem::path path_;
    std::vector<uint8_t> bytes_;
};

inline constexpr size_t kMinKeyBytes = 16;
inline constexpr size_t kMaxKeyBytes = 1024;
// A key file may hold this much, white space after the key included.
inline constexpr size_t kMaxKeyFileBytes = 4096;

// The key in `path`: the file's bytes without trailing white space. A missing file is
// created (mode 0600) with 32 random bytes written as 64 lowercase hexadecimal digits
// and a newline. Throws ConfigError, "PATH: reason", when the file cannot be read or
// created, is not a regular file, is open to other users, or holds a key shorter than
// kMinKeyBytes or longer than kMaxKeyBytes.
std::shared_ptr<const SecretKey> load_secret_key(const std::filesystem::path& path);

} // namespace streamd

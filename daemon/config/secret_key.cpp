#include "config/secret_key.hpp"

#include "config/config.hpp"
#include "engine/random_bytes.hpp"
#include "unique_fd.hpp"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace streamd {

namespace {

constexpr size_t kGeneratedBytes = 32;

[[noreturn]] void refuse(const std::filesystem::path& path, const std::string& reason) {
    throw ConfigError(path.string() + ": " + reason);
}

std::string reason_of(int error) {
    return std::system_category().message(error);
}

// Key material on the stack, wiped however the scope is left.
template <size_t N> struct WipedBuffer {
    std::array<uint8_t, N> bytes{};
    WipedBuffer() = default;
    WipedBuffer(const WipedBuffer&) = delete;
    WipedBuffer& operator=(const WipedBuffer&) = delete;
    ~WipedBuffer() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

void write_all(int fd, std::span<const uint8_t> bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::system_error(n < 0 ? errno : EIO, std::generic_category());
        bytes = bytes.subspan(static_cast<size_t>(n));
    }
}

// Leaves alone a file that another process created first: that one is then the key.
void create_key_file(const std::filesystem::path& path) {
    // O_EXCL: never write through a link or over a file that appeared meanwhile.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd) {
        if (errno == EEXIST) return;
        refuse(path, "cannot create the key file: " + reason_of(errno));
    }
    WipedBuffer<kGeneratedBytes> random;
    random_bytes(random.bytes);
    WipedBuffer<2 * kGeneratedBytes + 1> text;
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < kGeneratedBytes; ++i) {
        text.bytes[2 * i] = static_cast<uint8_t>(kHex[random.bytes[i] >> 4]);
        text.bytes[2 * i + 1] = static_cast<uint8_t>(kHex[random.bytes[i] & 0xf]);
    }
    text.bytes.back() = '\n';
    try {
        write_all(fd.get(), text.bytes);
        // A crash must not leave an empty key file behind, which the next start would
        // refuse as too short.
        if (::fsync(fd.get()) != 0) throw std::system_error(errno, std::generic_category());
    } catch (const std::system_error& e) {
        ::unlink(path.c_str());
        refuse(path, "cannot write the key file: " + e.code().message());
    }
    spdlog::info("generated a new key in {}; copy it to every daemon that exchanges files with "
                 "this one",
                 path.string());
}

UniqueFd open_key_file(const std::filesystem::path& path) {
    // O_NONBLOCK: a FIFO in the key's place must be refused, not waited on.
    auto open_existing = [&] {
        return UniqueFd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    };
    UniqueFd fd = open_existing();
    if (!fd && errno == ENOENT) {
        create_key_file(path);
        fd = open_existing();
    }
    if (!fd) refuse(path, "cannot read the key file: " + reason_of(errno));
    return fd;
}

bool is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

} // namespace

SecretKey::SecretKey(std::filesystem::path path, std::vector<uint8_t> bytes)
    : path_(std::move(path)), bytes_(std::move(bytes)) {}

SecretKey::~SecretKey() {
    if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

bool SecretKey::operator==(const SecretKey& other) const {
    return path_ == other.path_ && bytes_ == other.bytes_;
}

std::shared_ptr<const SecretKey> load_secret_key(const std::filesystem::path& path) {
    UniqueFd fd = open_key_file(path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) refuse(path, "cannot read the key file: " + reason_of(errno));
    if (!S_ISREG(st.st_mode)) refuse(path, "the key file is not a regular file");
    if ((st.st_mode & 077) != 0)
        refuse(path, fmt::format("the key file is readable by other users (mode {:04o}); run "
                                 "chmod 600 {}",
                                 st.st_mode & 07777, path.string()));

    // One byte more than a key file may hold, to notice one that holds more.
    WipedBuffer<kMaxKeyFileBytes + 1> content;
    size_t length = 0;
    while (length < content.bytes.size()) {
        ssize_t n = ::read(fd.get(), content.bytes.data() + length, content.bytes.size() - length);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) refuse(path, "cannot read the key file: " + reason_of(errno));
        if (n == 0) break;
        length += static_cast<size_t>(n);
    }
    if (length > kMaxKeyFileBytes)
        refuse(path, fmt::format("the key file is too large (more than {} bytes; a key is at most "
                                 "{})",
                                 kMaxKeyFileBytes, kMaxKeyBytes));
    while (length > 0 && is_space(content.bytes[length - 1]))
        --length;
    if (length < kMinKeyBytes)
        refuse(path, fmt::format("the key is too short ({} byte{}, at least {})", length,
                                 length == 1 ? "" : "s", kMinKeyBytes));
    if (length > kMaxKeyBytes)
        refuse(path,
               fmt::format("the key is too long ({} bytes, at most {})", length, kMaxKeyBytes));
    auto end = content.bytes.begin() + static_cast<std::ptrdiff_t>(length);
    return std::make_shared<const SecretKey>(path,
                                             std::vector<uint8_t>(content.bytes.begin(), end));
}

} // namespace streamd

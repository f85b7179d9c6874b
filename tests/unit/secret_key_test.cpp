// Loading [auth] secret_file: a missing file becomes a new private key, an existing one
// must be private, regular and long enough, and every refusal is one line naming the file.
#include "config/config.hpp"
#include "config/secret_key.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace streamd {
namespace {

namespace fs = std::filesystem;

fs::path write_key(const fs::path& file, const std::string& text, mode_t mode = 0600) {
    std::ofstream(file, std::ios::binary) << text;
    ::chmod(file.c_str(), mode);
    return file;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string key_text(const SecretKey& key) {
    return {key.bytes().begin(), key.bytes().end()};
}

// The message of the ConfigError that loading `file` must raise.
std::string refusal_of(const fs::path& file) {
    try {
        load_secret_key(file);
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError for " << file;
    return {};
}

TEST(SecretKey, MissingFileIsCreatedWithARandomPrivateKey) {
    fixtures::TempDir dir{"streamd-key"};
    fs::path file = dir / "peer.key";
    auto key = load_secret_key(file);

    struct stat st {};
    ASSERT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u);
    std::string text = read_text(file);
    ASSERT_EQ(text.size(), 65u) << text;
    EXPECT_EQ(text.back(), '\n');
    EXPECT_TRUE(std::all_of(text.begin(), text.end() - 1, [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    })) << text;
    // The key is the digits as written, the way any other key file is read.
    EXPECT_EQ(key_text(*key), text.substr(0, 64));
    EXPECT_EQ(key->path(), file);
    EXPECT_EQ(key_text(*load_secret_key(file)), key_text(*key)) << "not created again";
}

TEST(SecretKey, TwoNewKeysDiffer) {
    fixtures::TempDir dir{"streamd-key"};
    EXPECT_NE(key_text(*load_secret_key(dir / "a.key")), key_text(*load_secret_key(dir / "b.key")));
}

TEST(SecretKey, TrailingWhiteSpaceIsNotPartOfTheKey) {
    fixtures::TempDir dir{"streamd-key"};
    auto key =
        load_secret_key(write_key(dir / "peer.key", "  a shared secret, 31 bytes... \t\r\n\n"));
    EXPECT_EQ(key_text(*key), "  a shared secret, 31 bytes...");
}

TEST(SecretKey, AnyBytesMakeAKey) {
    fixtures::TempDir dir{"streamd-key"};
    // The 17th byte, a NUL, is no whitespace and so stays part of the key.
    std::string binary("\x00\xff\x01\xfe key \x80\x7f end!\0", 17);
    EXPECT_EQ(key_text(*load_secret_key(write_key(dir / "peer.key", binary))), binary);
}

TEST(SecretKey, SixteenBytesAreEnough) {
    fixtures::TempDir dir{"streamd-key"};
    EXPECT_EQ(key_text(*load_secret_key(write_key(dir / "peer.key", "0123456789abcdef\n"))),
              "0123456789abcdef");
}

TEST(SecretKey, ShorterKeysAreRefused) {
    fixtures::TempDir dir{"streamd-key"};
    fs::path file = write_key(dir / "peer.key", "0123456789abcde   \n");
    EXPECT_EQ(refusal_of(file), file.string() + ": the key is too short (15 bytes, at least 16)");
    write_key(file, "\n");
    EXPECT_EQ(refusal_of(file), file.string() + ": the key is too short (0 bytes, at least 16)");
}

TEST(SecretKey, LongerKeysThanTheLimitAreRefused) {
    fixtures::TempDir dir{"streamd-key"};
    fs::path file = write_key(dir / "peer.key", std::string(kMaxKeyBytes, 'k') + "\n");
    EXPECT_EQ(load_secret_key(file)->bytes().size(), kMaxKeyBytes);
    write_key(file, std::string(kMaxKeyBytes + 1, 'k'));
    EXPECT_EQ(refusal_of(file), file.string() + ": the key is too long (1025 bytes, at most 1024)");
    write_key(file, std::string(1 << 20, 'k'));
    EXPECT_EQ(refusal_of(file), file.string() + ": the key file is too large (more than 4096 "
                                                "bytes; a key is at most 1024)");
}

TEST(SecretKey, FilesOpenToOtherUsersAreRefused) {
    fixtures::TempDir dir{"streamd-key"};
    fs::path file = dir / "peer.key";
    for (mode_t mode : {0644, 0640, 0604, 0620, 0602, 0610, 0601}) {
        write_key(file, "0123456789abcdef0123\n", mode);
        char octal[8];
        std::snprintf(octal, sizeof octal, "%04o", mode);
        EXPECT_EQ(refusal_of(file), file.string() +
                                        ": the key file is readable by other users (mode " + octal +
                                        "); run chmod 600 " + file.string());
    }
    write_key(file, "0123456789abcdef0123\n", 0400);
    EXPECT_EQ(key_text(*load_secret_key(file)), "0123456789abcdef0123");
}

TEST(SecretKey, AFolderIsNotAKeyFile) {
    fixtures::TempDir dir{"streamd-key"};
    fs::create_directory(dir / "keys");
    ::chmod((dir / "keys").c_str(), 0700);
    EXPECT_EQ(refusal_of(dir / "keys"),
              (dir / "keys").string() + ": the key file is not a regular file");
}

TEST(SecretKey, AFifoIsRefusedWithoutWaitingForAWriter) {
    fixtures::TempDir dir{"streamd-key"};
    fs::path fifo = dir / "peer.key";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(refusal_of(fifo), fifo.string() + ": the key file is not a regular file");
}

TEST(SecretKey, AMissingFolderIsReportedWithTheSystemsReason) {
    fixtures::TempDir dir{"streamd-key"};
    fs::path file = dir / "absent" / "peer.key";
    EXPECT_EQ(refusal_of(file),
              file.string() + ": cannot create the key file: No such file or directory");
}

TEST(SecretKey, AnUnreadableFileIsReportedWithTheSystemsReason) {
    if (geteuid() == 0) GTEST_SKIP() << "root reads any file";
    fixtures::TempDir dir{"streamd-key"};
    fs::path file = write_key(dir / "peer.key", "0123456789abcdef0123\n", 0200);
    EXPECT_EQ(refusal_of(file), file.string() + ": cannot read the key file: Permission denied");
}

TEST(SecretKey, EqualWhenPathAndBytesAre) {
    fixtures::TempDir dir{"streamd-key"};
    fs::path file = write_key(dir / "peer.key", "0123456789abcdef0123\n");
    EXPECT_TRUE(*load_secret_key(file) == *load_secret_key(file));
    auto before = load_secret_key(file);
    write_key(file, "0123456789abcdef0124\n");
    EXPECT_FALSE(*before == *load_secret_key(file));
}

} // namespace
} // namespace streamd

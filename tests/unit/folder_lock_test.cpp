// One daemon per folder: the lock refuses another process and names it, takes nothing from
// the folder, and lets one daemon use a folder for incoming and state at once.
#include "storage/folder_lock.hpp"
#include "temp_dir.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace streamd {
namespace {

TEST(FolderLock, AnotherProcessIsRefusedAndNamed) {
    fixtures::TempDir dir;
    FolderLock lock(dir.path(), "state folder");
    EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        try {
            FolderLock second(dir.path(), "state folder");
        } catch (const std::runtime_error& e) {
            const std::string expected =
                "state folder " + dir.path().string() + " is in use by another streamd (pid " +
                std::to_string(::getppid()) + "): each daemon needs folders of its own";
            ::_exit(e.what() == expected ? 0 : 2);
        }
        ::_exit(1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: not refused, 2: another message";
}

TEST(FolderLock, OneProcessMayHoldAFolderTwice) {
    fixtures::TempDir dir;
    FolderLock incoming(dir.path(), "incoming folder");
    EXPECT_NO_THROW(FolderLock(dir.path(), "state folder"));
}

} // namespace
} // namespace streamd

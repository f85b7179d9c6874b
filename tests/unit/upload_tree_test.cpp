// A folder a browser uploads: its manifest is made from the listed files and folders, each
// folder before what it holds, and anything a native peer's manifest could not say is refused.
#include "native_frames.hpp"
#include "web/upload_tree.hpp"

#include <gtest/gtest.h>
#include <string>
#include <variant>
#include <vector>

namespace streamd {
namespace {

using proto::EntryKind;
using proto::web::StartUpload;
using proto::web::UploadFile;

StartUpload folder(std::vector<UploadFile> files, std::vector<std::string> folders = {}) {
    StartUpload m;
    m.name = "photos";
    for (const auto& f : files)
        m.size += f.size;
    m.files = std::move(files);
    m.folders = std::move(folders);
    return m;
}

std::string problem_of(const StartUpload& m) {
    auto made = upload_tree(m);
    return std::holds_alternative<std::string>(made) ? std::get<std::string>(made) : "";
}

TEST(UploadTree, FoldersComeFirstAndFilesKeepTheirOrder) {
    auto made = upload_tree(
        folder({{"b/z.txt", 3, 1'700'000'000'123}, {"a/x/y.bin", 5, {}}}, {"empty", "a"}));
    ASSERT_TRUE(std::holds_alternative<UploadTree>(made)) << std::get<std::string>(made);
    const auto& entries = std::get<UploadTree>(made).manifest.entries;
    std::vector<std::string> paths;
    for (const auto& e : entries)
        paths.push_back(e.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"a", "a/x", "b", "empty", "b/z.txt", "a/x/y.bin"}));
    EXPECT_EQ(entries[0].kind, EntryKind::Folder);
    EXPECT_EQ(entries[0].mode, 0755U);
    EXPECT_EQ(entries[4].kind, EntryKind::File);
    EXPECT_EQ(entries[4].mode, 0644U);
    EXPECT_EQ(entries[4].mtime_sec, 1'700'000'000);
    EXPECT_EQ(entries[4].mtime_nsec, 123'000'000U);
    EXPECT_EQ(entries[5].mtime_sec, proto::kMtimeUnknown);
    EXPECT_NE(std::get<UploadTree>(made).digest, 0U);
}

TEST(UploadTree, TimesBeforeTheEpochRoundDown) {
    auto made = upload_tree(folder({{"old.txt", 1, -1}}));
    ASSERT_TRUE(std::holds_alternative<UploadTree>(made));
    const auto& e = std::get<UploadTree>(made).manifest.entries[0];
    EXPECT_EQ(e.mtime_sec, -1);
    EXPECT_EQ(e.mtime_nsec, 999'000'000U);
}

TEST(UploadTree, WhatAManifestCannotSayIsRefused) {
    for (const char* path :
         {"../up.txt", "/abs.txt", "a//b.txt", "a/./b.txt", "", "a/", "bad\x01name"})
        EXPECT_NE(problem_of(folder({{path, 1, {}}})), "") << path;
    EXPECT_NE(problem_of(folder({{"same.txt", 1, {}}, {"same.txt", 1, {}}})), "");
    EXPECT_NE(problem_of(folder({{"a", 1, {}}, {"a/b.txt", 1, {}}})), "") << "a file as a folder";
    EXPECT_NE(problem_of(folder({{"a.txt", 1, {}}}, {"a.txt"})), "") << "a folder and a file";
    StartUpload wrong_size = folder({{"a.txt", 1, {}}});
    wrong_size.size = 2;
    EXPECT_NE(problem_of(wrong_size).find("add up to 1 bytes, not 2"), std::string::npos);
    StartUpload overflow = folder({{"a.txt", UINT64_MAX, {}}, {"b.txt", 2, {}}});
    EXPECT_NE(problem_of(overflow), "");
}

} // namespace
} // namespace streamd

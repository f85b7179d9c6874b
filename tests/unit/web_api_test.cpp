#include "json_value.hpp"
#include "web/web_api.hpp"

#include <gtest/gtest.h>

namespace streamd {
namespace {

TEST(WebApi, FilesAreAnArrayOfObjects) {
    EXPECT_EQ(files_json({}), "[]\n");
    std::string json = files_json({{"a.txt", 6, 1700000000}, {"b", 0, 0}});
    EXPECT_EQ(json, "[{\"name\":\"a.txt\",\"size\":6,\"mtime\":1700000000},"
                    "{\"name\":\"b\",\"size\":0,\"mtime\":0}]\n");
    EXPECT_NO_THROW(proto::parse_json(json));
}

TEST(WebApi, FoldersSaySo) {
    EXPECT_EQ(files_json({{"album", 300, 1700000000, true}}),
              "[{\"name\":\"album\",\"size\":300,\"mtime\":1700000000,\"folder\":true}]\n");
}

TEST(WebApi, NamesAreEscaped) {
    const std::string name = "q\"b\\s\x01\x1f\xc3\xbc\x7f";
    const std::string json = files_json({{name, 1, 2}});
    EXPECT_EQ(json, "[{\"name\":\"q\\\"b\\\\s\\u0001\\u001f\xc3\xbc\\u007f\","
                    "\"size\":1,\"mtime\":2}]\n");
    auto parsed = proto::parse_json(json);
    EXPECT_EQ(parsed.as_array().at(0).at("name").as_string(), name);
}

TEST(WebApi, Info) {
    auto info = proto::parse_json(info_json("1.2.3", 1024, true));
    EXPECT_EQ(info.at("version").as_string(), "1.2.3");
    EXPECT_EQ(info.at("max_file_size").as_uint(), 1024u);
    EXPECT_TRUE(info.at("key").as_bool());
}

} // namespace
} // namespace streamd

// The WebSocket protocol's messages (docs/WEBSOCKET.md): what a browser sends is read
// strictly, field by field, and a message the daemon cannot take either closes the connection
// (not an object with a string "type") or is answered and the connection goes on; what the
// daemon sends is the exact text of the document; the chunk header is big-endian.
#include "json_value.hpp"
#include "web_messages.hpp"

#include <array>
#include <cstdint>
#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace streamd::proto::web {
namespace {

const std::string kIdHex = "00112233445566778899aabbccddeeff";
const Id kId{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
             0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
const std::string kDigestHex = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const FileDigest kDigest{0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
                         0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0};

std::string in_quotes(std::string_view s) {
    return '"' + std::string(s) + '"';
}

// Members as written in the message: names and their JSON text.
using Members = std::vector<std::pair<std::string, std::string>>;

std::string message(std::string_view type, const Members& members) {
    std::string text = R"({"type":)" + in_quotes(type);
    for (const auto& member : members)
        text += ',' + in_quotes(member.first) + ':' + member.second;
    return text + '}';
}

// `members` with `key` written as `json`, or left out when there is no `json`.
Members changed(Members members, std::string_view key, std::optional<std::string_view> json) {
    std::erase_if(members, [&](const auto& member) { return member.first == key; });
    if (json) members.emplace_back(key, *json);
    return members;
}

template <class T> T decoded(std::string_view text) {
    const ClientMessage m = parse_client_message(text);
    EXPECT_TRUE(std::holds_alternative<T>(m)) << text;
    return std::get<T>(m);
}

std::optional<MessageError> refusal(std::string_view text) {
    try {
        parse_client_message(text);
    } catch (const MessageError& e) {
        return e;
    }
    return std::nullopt;
}

// Answered with bad_request, naming the field at fault on one line.
void expect_refused(const std::string& text, std::string_view field) {
    const auto e = refusal(text);
    ASSERT_TRUE(e) << "taken: " << text;
    EXPECT_FALSE(e->fatal) << text;
    const std::string why = e->what();
    EXPECT_NE(why.find(in_quotes(field)), std::string::npos) << why;
    EXPECT_EQ(why.find('\n'), std::string::npos) << why;
}

void expect_fatal(std::string_view text) {
    const auto e = refusal(text);
    ASSERT_TRUE(e) << "taken: " << text;
    EXPECT_TRUE(e->fatal) << text << ": " << e->what();
    EXPECT_NE(std::string(e->what()), "");
}

// --- client messages, decoded ---------------------------------------------------------

TEST(WebMessages, Auth) {
    const std::string proof = kIdHex + kDigestHex;
    const auto m = decoded<Auth>(message("auth", {{"proof", in_quotes(proof)}}));
    std::array<uint8_t, 32> expected{};
    std::copy(kId.begin(), kId.end(), expected.begin());
    std::copy(kDigest.begin(), kDigest.end(), expected.begin() + 16);
    EXPECT_EQ(m.proof, expected);
}

TEST(WebMessages, StartUploadWithEveryField) {
    const auto m = decoded<StartUpload>(
        R"({"type":"start_upload","name":"big.iso","size":4700000000,"chunk_size":4194304,)"
        R"("digest":"none","mtime":1700000000000,"id":")" +
        kIdHex + R"("})");
    EXPECT_EQ(m.name, "big.iso");
    EXPECT_EQ(m.size, 4700000000u);
    EXPECT_EQ(m.chunk_size, 4194304u);
    EXPECT_EQ(m.digest, ChunkDigest::None);
    EXPECT_EQ(m.mtime_ms, 1700000000000);
    EXPECT_EQ(m.id, kId);
}

TEST(WebMessages, StartUploadWithTheRequiredFieldsOnly) {
    const auto m = decoded<StartUpload>(R"({"type":"start_upload","name":"a","size":0,)"
                                        R"("digest":"xxh32"})");
    EXPECT_EQ(m.name, "a");
    EXPECT_EQ(m.size, 0u);
    EXPECT_EQ(m.chunk_size, kDefaultChunkSize);
    EXPECT_EQ(m.digest, ChunkDigest::Xxh32);
    EXPECT_EQ(m.mtime_ms, std::nullopt);
    EXPECT_EQ(m.id, std::nullopt);
}

TEST(WebMessages, FinishUpload) {
    const auto with = decoded<FinishUpload>(
        message("finish_upload", {{"id", in_quotes(kIdHex)}, {"digest", in_quotes(kDigestHex)}}));
    EXPECT_EQ(with.id, kId);
    EXPECT_EQ(with.digest, kDigest);

    const auto without = decoded<FinishUpload>(
        message("finish_upload", {{"id", in_quotes(kIdHex)}, {"digest", "\"\""}}));
    EXPECT_EQ(without.id, kId);
    EXPECT_EQ(without.digest, std::nullopt);
}

TEST(WebMessages, CancelUploadAndEndDownload) {
    EXPECT_EQ(decoded<CancelUpload>(message("cancel_upload", {{"id", in_quotes(kIdHex)}})).id, kId);
    EXPECT_EQ(decoded<EndDownload>(message("end_download", {{"id", in_quotes(kIdHex)}})).id, kId);
}

TEST(WebMessages, RequestDownload) {
    const auto sized = decoded<RequestDownload>(
        message("request_download", {{"name", "\"big.iso\""}, {"chunk_size", "65536"}}));
    EXPECT_EQ(sized.name, "big.iso");
    EXPECT_EQ(sized.chunk_size, 65536u);

    const auto plain = decoded<RequestDownload>(message("request_download", {{"name", "\"x\""}}));
    EXPECT_EQ(plain.name, "x");
    EXPECT_EQ(plain.chunk_size, kDefaultChunkSize);
}

TEST(WebMessages, RequestChunk) {
    const auto m = decoded<RequestChunk>(
        message("request_chunk", {{"id", in_quotes(kIdHex)}, {"index", "18446744073709551615"}}));
    EXPECT_EQ(m.id, kId);
    EXPECT_EQ(m.index, UINT64_MAX);
}

TEST(WebMessages, UpperCaseHexIsTaken) {
    const auto m = decoded<FinishUpload>(
        message("finish_upload", {{"id", "\"00112233445566778899AABBCCDDEEFF\""},
                                  {"digest", "\"0F1E2D3C4B5A69788796A5B4C3D2E1F0\""}}));
    EXPECT_EQ(m.id, kId);
    EXPECT_EQ(m.digest, kDigest);
}

TEST(WebMessages, UnknownFieldsAndOrderDoNotMatter) {
    const auto m = decoded<RequestChunk>(R"({"index":7,"extra":{"deep":[1,2]},"id":")" + kIdHex +
                                         R"(","type":"request_chunk","v":null})");
    EXPECT_EQ(m.id, kId);
    EXPECT_EQ(m.index, 7u);
}

TEST(WebMessages, NamesAreTakenAsWritten) {
    // file_name.hpp judges names; here only JSON's escapes are undone.
    const auto m = decoded<RequestDownload>(
        message("request_download", {{"name", R"("..\/a\u0000\"b\u00e9")"}}));
    EXPECT_EQ(m.name, std::string("../a\0\"b\xc3\xa9", 9));
}

// --- what closes the connection ---------------------------------------------------------

class FatalMessages : public ::testing::TestWithParam<const char*> {};

TEST_P(FatalMessages, AreFatal) {
    expect_fatal(GetParam());
}

INSTANTIATE_TEST_SUITE_P(
    NotAnObjectWithAStringType, FatalMessages,
    ::testing::Values("", " ", "hello", "{", R"({"type":"auth")", R"({"type":"auth"} x)",
                      R"({"type":"auth",})", R"({'type':'auth'})", "[]", R"(["type","auth"])",
                      "null", "42", R"("auth")", "{}", R"({"Type":"auth"})", R"({"type":null})",
                      R"({"type":1})", R"({"type":["auth"]})", R"({"type":{"auth":1}})",
                      R"({"type":"auth","type":"auth"})", "{\"type\":\"a\xff\"}",
                      "{\"type\":\"auth\",\"x\":\"\xc0\xaf\"}",
                      R"({"type":"cancel_upload","id":"\ud800"})"));

TEST(WebMessages, NestingPastTheLimitIsFatal) {
    std::string deep = R"({"type":"cancel_upload","x":)";
    for (int i = 0; i < kMaxJsonDepth; ++i)
        deep += '[';
    deep += std::string(static_cast<size_t>(kMaxJsonDepth), ']') + '}';
    expect_fatal(deep);
}

// --- what is answered with bad_request ----------------------------------------------------

TEST(WebMessages, UnknownTypeIsNotFatal) {
    for (const char* text : {R"({"type":"start_uplaod"})", R"({"type":""})",
                             R"({"type":"hello","version":1})", R"({"type":"AUTH"})"}) {
        const auto e = refusal(text);
        ASSERT_TRUE(e) << text;
        EXPECT_FALSE(e->fatal) << text;
        EXPECT_NE(std::string(e->what()), "") << text;
    }
}

const Members kStartUpload{{"name", "\"big.iso\""},    {"size", "4700000000"},
                           {"chunk_size", "4194304"},  {"digest", "\"xxh32\""},
                           {"mtime", "1700000000000"}, {"id", in_quotes(kIdHex)}};

// Every value that a field must refuse, each also as the only change to a message that is
// otherwise taken.
void expect_field_refuses(std::string_view type, const Members& members, std::string_view key,
                          std::initializer_list<std::string_view> values) {
    ASSERT_NO_THROW(parse_client_message(message(type, members)));
    for (std::string_view value : values)
        expect_refused(message(type, changed(members, key, value)), key);
}

void expect_field_takes(std::string_view type, const Members& members, std::string_view key,
                        std::initializer_list<std::string_view> values) {
    for (std::string_view value : values)
        EXPECT_NO_THROW(parse_client_message(message(type, changed(members, key, value))))
            << key << ": " << value;
}

const std::initializer_list<std::string_view> kNotAnId{"\"\"",
                                                       "\"00112233445566778899aabbccddeef\"",
                                                       "\"00112233445566778899aabbccddeeff0\"",
                                                       "\"00112233445566778899aabbccddeefg\"",
                                                       "\"0x112233445566778899aabbccddeeff\"",
                                                       "\" 0112233445566778899aabbccddeeff\"",
                                                       "\"-0112233445566778899aabbccddeeff\"",
                                                       "\"+0112233445566778899aabbccddeeff\"",
                                                       "1234",
                                                       "null",
                                                       "true",
                                                       "[]",
                                                       "{}"};

const std::initializer_list<std::string_view> kNotACount{
    "-1", "1.0", "1e3", "-0", "\"5\"", "null", "true", "[1]", "{}", "18446744073709551616"};

TEST(WebMessages, StartUploadRefusals) {
    for (const char* key : {"name", "size", "digest"})
        expect_refused(message("start_upload", changed(kStartUpload, key, std::nullopt)), key);
    expect_field_refuses("start_upload", kStartUpload, "name", {"1", "null", "[\"a\"]", "{}"});
    expect_field_refuses("start_upload", kStartUpload, "size", kNotACount);
    expect_field_refuses("start_upload", kStartUpload, "digest",
                         {"\"XXH32\"", "\"xxh3\"", "\"sha256\"", "\"\"", "null", "0"});
    expect_field_refuses("start_upload", kStartUpload, "mtime",
                         {"1.5", "1e12", "\"1700000000000\"", "null", "true", "9223372036854775808",
                          "-9223372036854775809"});
    expect_field_refuses("start_upload", kStartUpload, "id", kNotAnId);
}

TEST(WebMessages, StartUploadTakes) {
    expect_field_takes("start_upload", kStartUpload, "size", {"0", "18446744073709551615"});
    expect_field_takes("start_upload", kStartUpload, "mtime",
                       {"0", "-1", "9223372036854775807", "-9223372036854775808"});
    EXPECT_EQ(decoded<StartUpload>(message("start_upload", changed(kStartUpload, "mtime", "-1")))
                  .mtime_ms,
              -1);
}

TEST(WebMessages, StartUploadOfAFolder) {
    const auto m = decoded<StartUpload>(message(
        "start_upload",
        changed(changed(kStartUpload, "files", R"([["a/b.txt",3,1700000000000],["c.bin",0]])"),
                "folders", R"(["empty","a/deeper"])")));
    ASSERT_TRUE(m.files);
    EXPECT_EQ(*m.files, (std::vector<UploadFile>{{"a/b.txt", 3, 1700000000000}, {"c.bin", 0, {}}}));
    EXPECT_EQ(m.folders, (std::vector<std::string>{"empty", "a/deeper"}));
    EXPECT_FALSE(decoded<StartUpload>(message("start_upload", kStartUpload)).files);
}

TEST(WebMessages, StartUploadOfAFolderRefusals) {
    expect_field_refuses("start_upload", changed(kStartUpload, "files", "[]"), "files",
                         {"{}", "\"a\"", "[\"a\"]", "[[\"a\"]]", "[[\"a\",1,2,3]]", "[[1,1]]",
                          "[[\"a\",-1]]", "[[\"a\",1,1.5]]", "null"});
    expect_field_refuses("start_upload", changed(kStartUpload, "files", "[]"), "folders",
                         {"{}", "[1]", "\"a\"", "[[\"a\"]]", "null"});
    expect_refused(message("start_upload", changed(kStartUpload, "folders", "[]")), "folders");
}

TEST(WebMessages, ChunkSizeIsAMultipleOfFourKiBWithinBounds) {
    const std::vector<std::pair<std::string_view, Members>> messages{
        {"start_upload", kStartUpload}, {"request_download", {{"name", "\"big.iso\""}}}};
    for (const auto& [type, members] : messages) {
        expect_field_takes(type, members, "chunk_size",
                           {"65536", "69632", "4194304", "16777216", "16773120"});
        expect_field_refuses(type, members, "chunk_size",
                             {"0", "4096", "61440", "65537", "69631", "16777217", "16781312",
                              "4294967296", "4194304.0", "\"4194304\"", "-65536", "null"});
    }
}

TEST(WebMessages, FinishUploadRefusals) {
    const Members members{{"id", in_quotes(kIdHex)}, {"digest", in_quotes(kDigestHex)}};
    for (const char* key : {"id", "digest"})
        expect_refused(message("finish_upload", changed(members, key, std::nullopt)), key);
    expect_field_refuses("finish_upload", members, "id", kNotAnId);
    expect_field_refuses("finish_upload", members, "digest",
                         {"\"0f1e2d3c4b5a69788796a5b4c3d2e1f\"",
                          "\"0f1e2d3c4b5a69788796a5b4c3d2e1f00\"", "\"none\"", "null", "0", "[]"});
}

TEST(WebMessages, IdOnlyMessagesRefusals) {
    for (const char* type : {"cancel_upload", "end_download"}) {
        expect_refused(message(type, {}), "id");
        expect_field_refuses(type, {{"id", in_quotes(kIdHex)}}, "id", kNotAnId);
    }
}

TEST(WebMessages, RequestDownloadRefusals) {
    expect_refused(message("request_download", {}), "name");
    expect_field_refuses("request_download", {{"name", "\"a\""}}, "name", {"1", "null", "{}"});
}

TEST(WebMessages, RequestChunkRefusals) {
    const Members members{{"id", in_quotes(kIdHex)}, {"index", "3"}};
    for (const char* key : {"id", "index"})
        expect_refused(message("request_chunk", changed(members, key, std::nullopt)), key);
    expect_field_refuses("request_chunk", members, "id", kNotAnId);
    expect_field_refuses("request_chunk", members, "index", kNotACount);
    expect_field_takes("request_chunk", members, "index", {"0"});
}

TEST(WebMessages, AuthRefusals) {
    const Members members{{"proof", in_quotes(kIdHex + kDigestHex)}};
    expect_refused(message("auth", {}), "proof");
    expect_field_refuses("auth", members, "proof",
                         {in_quotes(kIdHex), in_quotes(kIdHex + kDigestHex + "00"), "null", "7"});
}

// --- the daemon's messages ----------------------------------------------------------------

TEST(WebMessages, HelloWithoutAndWithAKey) {
    EXPECT_EQ(hello(std::nullopt, kMaxChunkSize, kMaxInFlight),
              R"({"type":"hello","version":1,"auth":null,"max_chunk_size":16777216,)"
              R"("max_in_flight":8})");
    std::array<uint8_t, 32> nonce{};
    for (size_t i = 0; i < nonce.size(); ++i)
        nonce[i] = static_cast<uint8_t>(i * 8);
    EXPECT_EQ(hello(std::span<const uint8_t>(nonce), 1048576, 4),
              R"({"type":"hello","version":1,"auth":{"method":"hmac-sha256","nonce":")"
              R"(0008101820283038404850586068707880889098a0a8b0b8c0c8d0d8e0e8f0f8"},)"
              R"("max_chunk_size":1048576,"max_in_flight":4})");
}

TEST(WebMessages, Authenticated) {
    std::array<uint8_t, 32> token{};
    token.fill(0xab);
    std::string hex;
    for (size_t i = 0; i < token.size(); ++i)
        hex += "ab";
    EXPECT_EQ(authenticated(token), R"({"type":"authenticated","token":")" + hex + R"("})");
}

TEST(WebMessages, UploadReady) {
    const std::vector<Range> missing{{0, 4194304}, {12582912, 41943040}};
    EXPECT_EQ(upload_ready(kId, "big.iso", missing),
              R"({"type":"upload_ready","id":")" + kIdHex +
                  R"(","name":"big.iso","missing":[[0,4194304],[12582912,41943040]]})");
    EXPECT_EQ(upload_ready(kId, "b", {}),
              R"({"type":"upload_ready","id":")" + kIdHex + R"(","name":"b","missing":[]})");
}

TEST(WebMessages, ChunkAnswers) {
    EXPECT_EQ(chunk_received(kId, 3),
              R"({"type":"chunk_received","id":")" + kIdHex + R"(","index":3})");
    EXPECT_EQ(chunk_rejected(kId, 3, "digest mismatch"),
              R"({"type":"chunk_rejected","id":")" + kIdHex +
                  R"(","index":3,"reason":"digest mismatch"})");
}

TEST(WebMessages, UploadCompleteAndCanceled) {
    EXPECT_EQ(upload_complete(kId, "big.iso", 4700000000, kDigest),
              R"({"type":"upload_complete","id":")" + kIdHex +
                  R"(","name":"big.iso","size":4700000000,"digest":")" + kDigestHex + R"("})");
    EXPECT_EQ(upload_complete(kId, "e", 0, std::nullopt),
              R"({"type":"upload_complete","id":")" + kIdHex +
                  R"(","name":"e","size":0,"digest":""})");
    EXPECT_EQ(upload_canceled(kId), R"({"type":"upload_canceled","id":")" + kIdHex + R"("})");
}

TEST(WebMessages, DownloadReady) {
    EXPECT_EQ(download_ready(kId, "big.iso", 4700000000, 1700000000000, 4194304),
              R"({"type":"download_ready","id":")" + kIdHex +
                  R"(","name":"big.iso","size":4700000000,"mtime":1700000000000,)"
                  R"("chunk_size":4194304})");
    EXPECT_EQ(download_ready(kId, "old", 1, -5, 65536),
              R"({"type":"download_ready","id":")" + kIdHex +
                  R"(","name":"old","size":1,"mtime":-5,"chunk_size":65536})");
}

TEST(WebMessages, ErrorWithAndWithoutId) {
    EXPECT_EQ(error(kId, "file_exists", "big.iso exists already"),
              R"({"type":"error","id":")" + kIdHex +
                  R"(","code":"file_exists","message":"big.iso exists already"})");
    EXPECT_EQ(error(std::nullopt, "bad_request", "unknown type"),
              R"({"type":"error","code":"bad_request","message":"unknown type"})");
}

TEST(WebMessages, TextIsEscapedIntoValidJson) {
    const std::string name = "a\"b\\c\nd\x01\xc3\xa9";
    const std::string text = chunk_rejected(kId, 0, "bad \xff byte");
    EXPECT_EQ(text, R"({"type":"chunk_rejected","id":")" + kIdHex +
                        R"(","index":0,"reason":"bad \ufffd byte"})");
    const JsonValue ready = parse_json(upload_ready(kId, name, {}));
    EXPECT_EQ(ready.at("name").as_string(), name);
    const JsonValue complete = parse_json(upload_complete(kId, name, 1, std::nullopt));
    EXPECT_EQ(complete.keys(), (std::vector<std::string>{"type", "id", "name", "size", "digest"}));
    EXPECT_EQ(complete.at("name").as_string(), name);
    EXPECT_EQ(parse_json(error(std::nullopt, "io_error", name)).at("message").as_string(), name);
}

// --- the chunk header ------------------------------------------------------------------

TEST(WebMessages, ChunkHeaderBytesAreBigEndian) {
    const ChunkHeader h{kId, 0x0102030405060708, 0xa1b2c3d4};
    const std::array<uint8_t, kChunkHeaderSize> expected{
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd,
        0xee, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xa1, 0xb2, 0xc3, 0xd4};
    EXPECT_EQ(encode_chunk_header(h), expected);
    EXPECT_EQ(decode_chunk_header(expected), h);
}

TEST(WebMessages, ChunkHeaderRoundTrips) {
    for (const ChunkHeader& h :
         {ChunkHeader{}, ChunkHeader{kId, UINT64_MAX, UINT32_MAX}, ChunkHeader{kId, 1, 0}}) {
        const auto bytes = encode_chunk_header(h);
        EXPECT_EQ(decode_chunk_header(bytes), h);
        EXPECT_EQ(encode_chunk_header(decode_chunk_header(bytes)), bytes);
    }
}

TEST(WebMessages, BrowserTimesRoundDownToSecondsAndNanoseconds) {
    EXPECT_EQ(file_time(1700000000123).sec, 1700000000);
    EXPECT_EQ(file_time(1700000000123).nsec, 123'000'000u);
    // Before 1970 the milliseconds still count forward from a whole second.
    EXPECT_EQ(file_time(-1500).sec, -2);
    EXPECT_EQ(file_time(-1500).nsec, 500'000'000u);
    EXPECT_EQ(file_time(-2000).sec, -2);
    EXPECT_EQ(file_time(-2000).nsec, 0u);
    EXPECT_EQ(file_time(std::nullopt).sec, kMtimeUnknown);
}

} // namespace

} // namespace streamd::proto::web

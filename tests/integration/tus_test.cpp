// Resumable uploads under /uploads/ spoken by hand (tus 1.0.0): each bad request gets the
// protocol's answer and leaves the upload as it was; an upload resumes after a restart,
// is a transfer streamctl lists and cancels, and can be terminated, joined from parts,
// and cut off when its client stalls, its partial file kept.

#include "raw_http.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "suite_daemon.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "wait_until.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <openssl/evp.h>
#include <optional>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

std::string base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string sha1_base64(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned size = 0;
    EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha1(), nullptr);
    return base64({reinterpret_cast<const char*>(digest), size});
}

std::string random_bytes(size_t n, unsigned seed) {
    std::string s(n, '\0');
    uint32_t x = seed * 2654435761u + 1;
    for (auto& c : s) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x);
    }
    return s;
}

class Tus : public SuiteDaemon<Tus> {
public:
    static StreamdOptions options() {
        return StreamdOptions{
            .max_file_size = "\"32M\"", .reserve = "0", .limits = "idle_timeout = 5\n"};
    }

protected:
    // One request on a connection of its own, `fields` each ending in CRLF.
    static HttpReply request(const std::string& method, const std::string& path,
                             const std::string& fields, const std::string& body = {},
                             bool tus_resumable = true) {
        RawHttp c(daemon().port());
        std::string head = method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n" + fields;
        if (tus_resumable) head += "Tus-Resumable: 1.0.0\r\n";
        if (!body.empty() || method == "PATCH" || method == "POST")
            head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
        c.send(head + "\r\n" + body);
        auto reply = c.read_response(method == "HEAD");
        if (!reply) ADD_FAILURE() << "no answer to " << method << " " << path << daemon().log();
        return reply.value_or(HttpReply{});
    }

    // A new upload of `length` bytes named `name`; its path.
    static std::string create(uint64_t length, const std::string& name) {
        auto r = request("POST", "/uploads/",
                         "Upload-Length: " + std::to_string(length) +
                             "\r\nUpload-Metadata: filename " + base64(name) + "\r\n");
        EXPECT_EQ(r.status, 201) << r.head << r.body;
        return r.field("Location").value_or("");
    }

    static HttpReply patch(const std::string& path, uint64_t offset, const std::string& body,
                           const std::string& more_fields = {}) {
        return request("PATCH", path,
                       "Upload-Offset: " + std::to_string(offset) +
                           "\r\nContent-Type: application/offset+octet-stream\r\n" + more_fields,
                       body);
    }

    static std::optional<uint64_t> offset_of(const std::string& path) {
        auto r = request("HEAD", path, {});
        if (r.status != 200) return std::nullopt;
        return std::stoull(r.field("Upload-Offset").value_or("0"));
    }

    // What the file stored as `name` holds; "(missing)" if there is none.
    static std::string stored(const std::string& name) {
        std::ifstream in(daemon().incoming() / name, std::ios::binary);
        if (!in) return "(missing)";
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    static std::optional<TransferRow> row_named(const std::string& name) {
        for (const auto& row : StreamdBus(daemon().bus_address()).list_transfers())
            if (row.name == name) return row;
        return std::nullopt;
    }
};

TEST_F(Tus, OptionsTellsTheVersionExtensionsAndLimit) {
    auto r = request("OPTIONS", "/uploads/", {}, {}, false);
    EXPECT_EQ(r.status, 204) << r.head;
    EXPECT_EQ(r.field("Tus-Resumable"), "1.0.0");
    EXPECT_EQ(r.field("Tus-Version"), "1.0.0");
    EXPECT_EQ(r.field("Tus-Extension"),
              "creation,creation-with-upload,termination,checksum,concatenation,expiration");
    EXPECT_EQ(r.field("Tus-Max-Size"), std::to_string(32 * MiB));
    EXPECT_EQ(r.field("Tus-Checksum-Algorithm"), "sha1");
    EXPECT_FALSE(r.field("Content-Length").has_value()) << r.head;
}

TEST_F(Tus, PatchesInPiecesMakeTheFile) {
    const std::string data = random_bytes(9 * MiB + 5, 1);
    const std::string path = create(data.size(), "pieces.bin");
    ASSERT_TRUE(path.starts_with("/uploads/")) << path;
    // Across a chunk's end, mid-chunk, and the rest.
    uint64_t at = 0;
    for (uint64_t piece : {uint64_t{5 * MiB}, uint64_t{1}, uint64_t{3 * MiB}, uint64_t{MiB + 4}}) {
        auto r = patch(path, at, data.substr(at, piece));
        ASSERT_EQ(r.status, 204) << r.head << r.body << daemon().log();
        at += piece;
        EXPECT_EQ(r.field("Upload-Offset"), std::to_string(at));
        if (at < data.size()) {
            EXPECT_EQ(offset_of(path), at);
        }
    }
    EXPECT_EQ(stored("pieces.bin"), data);
    auto head = request("HEAD", path, {});
    EXPECT_EQ(head.field("Upload-Offset"), std::to_string(data.size())) << head.head;
    EXPECT_EQ(head.field("Upload-Length"), std::to_string(data.size()));
    EXPECT_EQ(head.field("Upload-Metadata"), "filename " + base64("pieces.bin"));
    auto row = row_named("pieces.bin");
    ASSERT_TRUE(row) << describe(StreamdBus(daemon().bus_address()).list_transfers());
    EXPECT_EQ(row->state, "done");
    EXPECT_NE(row->peer.find("(tus)"), std::string::npos) << row->describe();
}

TEST_F(Tus, CreationWithUploadAndEmptyFiles) {
    const std::string data = random_bytes(1000, 2);
    auto r = request("POST", "/uploads/",
                     "Upload-Length: 1000\r\nUpload-Metadata: filename " + base64("with.bin") +
                         "\r\nContent-Type: application/offset+octet-stream\r\n",
                     data);
    EXPECT_EQ(r.status, 201) << r.head << r.body;
    EXPECT_EQ(r.field("Upload-Offset"), "1000");
    EXPECT_EQ(stored("with.bin"), data);
    auto empty =
        request("POST", "/uploads/",
                "Upload-Length: 0\r\nUpload-Metadata: filename " + base64("empty.bin") + "\r\n");
    EXPECT_EQ(empty.status, 201) << empty.head << empty.body;
    EXPECT_TRUE(fs::exists(daemon().incoming() / "empty.bin"));
    EXPECT_EQ(fs::file_size(daemon().incoming() / "empty.bin"), 0u);
}

TEST_F(Tus, BadRequestsGetTheProtocolsAnswersAndChangeNothing) {
    const std::string data = random_bytes(6 * MiB, 3);
    const std::string path = create(data.size(), "bad.bin");
    ASSERT_EQ(patch(path, 0, data.substr(0, MiB)).status, 204);

    auto no_version = request("HEAD", path, {}, {}, false);
    EXPECT_EQ(no_version.status, 412) << no_version.head;
    EXPECT_EQ(no_version.field("Tus-Version"), "1.0.0");
    auto other_version = request("HEAD", path, "Tus-Resumable: 0.2.2\r\n", {}, false);
    EXPECT_EQ(other_version.status, 412) << other_version.head;

    auto wrong_offset = patch(path, 0, data.substr(0, 10));
    EXPECT_EQ(wrong_offset.status, 409) << wrong_offset.head;
    EXPECT_EQ(wrong_offset.field("Upload-Offset"), std::to_string(MiB));

    auto mismatch = patch(path, MiB, data.substr(MiB, 4 * MiB),
                          "Upload-Checksum: sha1 " + sha1_base64("other bytes") + "\r\n");
    EXPECT_EQ(mismatch.status, 460) << mismatch.head;
    EXPECT_EQ(offset_of(path), MiB);
    auto unknown_algorithm =
        patch(path, MiB, data.substr(MiB, 10), "Upload-Checksum: md5 AAAA\r\n");
    EXPECT_EQ(unknown_algorithm.status, 400) << unknown_algorithm.head;

    auto too_long = patch(path, MiB, std::string(5 * MiB + 1, 'x'));
    EXPECT_EQ(too_long.status, 413) << too_long.head;
    EXPECT_NE(too_long.body.find("past Upload-Length"), std::string::npos) << too_long.body;

    auto wrong_type = request("PATCH", path,
                              "Upload-Offset: " + std::to_string(MiB) +
                                  "\r\nContent-Type: application/octet-stream\r\n",
                              "x");
    EXPECT_EQ(wrong_type.status, 415) << wrong_type.head;

    auto unknown = request("HEAD", "/uploads/00112233445566778899aabbccddeeff", {});
    EXPECT_EQ(unknown.status, 404) << unknown.head;
    EXPECT_EQ(request("HEAD", "/uploads/nothex", {}).status, 404);

    auto over_limit =
        request("POST", "/uploads/", "Upload-Length: " + std::to_string(33 * MiB) + "\r\n");
    EXPECT_EQ(over_limit.status, 413) << over_limit.head;
    EXPECT_EQ(request("POST", "/uploads/", {}).status, 400);
    EXPECT_EQ(request("POST", "/uploads/", "Upload-Length: -1\r\n").status, 400);
    EXPECT_EQ(
        request("POST", "/uploads/", "Upload-Length: 1\r\nUpload-Metadata: filename !!\r\n").status,
        400);
    auto get = request("GET", path, {});
    EXPECT_EQ(get.status, 405) << get.head;
    EXPECT_EQ(get.field("Allow"), "OPTIONS, HEAD, PATCH, DELETE");

    // None of it moved the upload, which completes with a checksum that matches.
    EXPECT_EQ(offset_of(path), MiB);
    auto rest = patch(path, MiB, data.substr(MiB),
                      "Upload-Checksum: sha1 " + sha1_base64(data.substr(MiB)) + "\r\n");
    EXPECT_EQ(rest.status, 204) << rest.head << rest.body;
    EXPECT_EQ(stored("bad.bin"), data);
}

TEST_F(Tus, AnUploadResumesAfterARestartFromItsLastWholeChunk) {
    const std::string data = random_bytes(10 * MiB, 4);
    const std::string path = create(data.size(), "restart.bin");
    ASSERT_EQ(patch(path, 0, data.substr(0, 6 * MiB)).status, 204);
    const ExitStatus stopped = daemon().stop();
    ASSERT_TRUE(stopped.success()) << stopped.describe() << daemon().log();
    daemon().restart();
    // The journal vouches for whole chunks: the first 4 MiB.
    auto offset = offset_of(path);
    ASSERT_EQ(offset, 4 * MiB) << daemon().log();
    auto rest = patch(path, *offset, data.substr(*offset));
    EXPECT_EQ(rest.status, 204) << rest.head << rest.body << daemon().log();
    EXPECT_EQ(stored("restart.bin"), data);
}

TEST_F(Tus, CancelingOrTerminatingRemovesThePartial) {
    const std::string canceled = create(8 * MiB, "canceled.bin");
    ASSERT_EQ(patch(canceled, 0, random_bytes(5 * MiB, 5)).status, 204);
    auto row = row_named("canceled.bin");
    ASSERT_TRUE(row) << daemon().log();
    EXPECT_EQ(row->state, "running") << row->describe();
    StreamdBus(daemon().bus_address()).cancel_transfer(row->id);
    auto gone = request("HEAD", canceled, {});
    EXPECT_EQ(gone.status, 410) << gone.head << gone.body;

    const std::string terminated = create(8 * MiB, "terminated.bin");
    ASSERT_EQ(patch(terminated, 0, random_bytes(5 * MiB, 6)).status, 204);
    EXPECT_EQ(request("DELETE", terminated, {}).status, 204);
    EXPECT_EQ(request("HEAD", terminated, {}).status, 404);
    EXPECT_EQ(row_named("terminated.bin")->state, "canceled");
    EXPECT_TRUE(entries_in(daemon().incoming()).empty())
        << ::testing::PrintToString(entries_in(daemon().incoming()));
}

TEST_F(Tus, PartialUploadsJoinIntoOneFile) {
    const std::string a = random_bytes(5 * MiB + 3, 7), b = random_bytes(3, 8);
    std::vector<std::string> parts;
    for (const auto* bytes : {&a, &b}) {
        auto r = request("POST", "/uploads/",
                         "Upload-Length: " + std::to_string(bytes->size()) +
                             "\r\nUpload-Concat: partial\r\n");
        ASSERT_EQ(r.status, 201) << r.head;
        parts.push_back(*r.field("Location"));
        ASSERT_EQ(patch(parts.back(), 0, *bytes).status, 204);
        EXPECT_EQ(request("HEAD", parts.back(), {}).field("Upload-Concat"), "partial");
    }
    // A part is not a file of its own.
    EXPECT_EQ(entries_in(daemon().incoming()).size(), 4u);
    auto final = request("POST", "/uploads/",
                         "Upload-Concat: final;" + parts[0] + " http://localhost" + parts[1] +
                             "\r\nUpload-Metadata: filename " + base64("joined.bin") + "\r\n");
    ASSERT_EQ(final.status, 201) << final.head << final.body << daemon().log();
    EXPECT_EQ(stored("joined.bin"), a + b);
    EXPECT_EQ(entries_in(daemon().incoming()), std::vector<std::string>{"joined.bin"});
    auto head = request("HEAD", *final.field("Location"), {});
    EXPECT_EQ(head.field("Upload-Concat"), "final;" + parts[0] + " http://localhost" + parts[1]);
    EXPECT_EQ(head.field("Upload-Offset"), std::to_string(a.size() + b.size()));
    // Parts are gone once joined, and an incomplete one cannot be.
    auto again = request("POST", "/uploads/", "Upload-Concat: final;" + parts[0] + "\r\n");
    EXPECT_EQ(again.status, 400) << again.head;
    auto open_part =
        request("POST", "/uploads/", "Upload-Length: 10\r\nUpload-Concat: partial\r\n");
    auto unfinished = request("POST", "/uploads/",
                              "Upload-Concat: final;" + *open_part.field("Location") + "\r\n");
    EXPECT_EQ(unfinished.status, 400) << unfinished.head;
    EXPECT_NE(unfinished.body.find("not complete"), std::string::npos) << unfinished.body;
}

TEST_F(Tus, AStalledClientIsCutOffAndItsPartialKept) {
    const std::string data = random_bytes(7 * MiB, 9);
    const std::string path = create(data.size(), "stalled.bin");
    {
        RawHttp c(daemon().port());
        c.send("PATCH " + path +
               " HTTP/1.1\r\nHost: localhost\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\n"
               "Content-Type: application/offset+octet-stream\r\nContent-Length: " +
               std::to_string(data.size()) + "\r\n\r\n" + data.substr(0, 5 * MiB));
        // [limits] idle_timeout = 5: the daemon closes the connection.
        EXPECT_TRUE(c.read_until_closed().has_value()) << daemon().log();
    }
    // Until the request is gone for good the upload is locked, as a client retrying finds.
    HttpReply head;
    ASSERT_TRUE(wait_until([&] {
        head = request("HEAD", path, {});
        return head.status != 423;
    })) << daemon().log();
    // What counts is what came in whole chunks: the second one had not.
    EXPECT_EQ(head.field("Upload-Offset"), std::to_string(4 * MiB)) << head.head << head.body;
    auto rest = patch(path, 4 * MiB, data.substr(4 * MiB));
    EXPECT_EQ(rest.status, 204) << rest.head << rest.body;
    EXPECT_EQ(stored("stalled.bin"), data);
}

} // namespace
} // namespace streamd::it

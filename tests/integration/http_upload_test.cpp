// Files PUT over HTTP, as `curl -T` sends them: stored whole under their name, listed as
// transfers, refused with the right status before their body, and nothing kept of a body
// that stopped short.

#include "process.hpp"
#include "raw_http.hpp"
#include "streamd_bus.hpp"
#include "streamd_instance.hpp"
#include "suite_daemon.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "wait_until.hpp"

#include <filesystem>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

class HttpUpload : public SuiteDaemon<HttpUpload> {
public:
    static StreamdOptions options() {
        return StreamdOptions{.max_file_size = "\"32M\"", .reserve = "0"};
    }

protected:
    // `curl -T file URL`: its output, and the status it saw as the last line of it.
    struct Put {
        RunResult run;
        int status = 0;
        std::string body;
    };
    static Put put(const fs::path& file, const std::string& path) {
        SpawnOptions spawn;
        spawn.argv = {"curl",          "--silent",    "--show-error", "--max-time",     "60",
                      "--upload-file", file.string(), "--write-out",  "\n%{http_code}", url(path)};
        Put p{run(spawn, std::chrono::seconds(90)), 0, {}};
        const auto newline = p.run.out.rfind('\n');
        if (newline != std::string::npos) {
            p.status = std::stoi(p.run.out.substr(newline + 1));
            p.body = p.run.out.substr(0, newline);
        }
        return p;
    }

    static std::vector<std::string> partials() {
        std::vector<std::string> out;
        for (const auto& e : entries_in(daemon().incoming()))
            if (e.starts_with(".streamd-")) out.push_back(e);
        return out;
    }

    fixtures::TempDir scratch_{"streamd-it-http-upload"};
};

TEST_F(HttpUpload, CurlPutStoresTheFileWhole) {
    // Empty, one byte, and on either side of a chunk's end.
    for (std::uint64_t size :
         {std::uint64_t{0}, std::uint64_t{1}, 4 * MiB - 1, 4 * MiB + 1, 9 * MiB}) {
        SCOPED_TRACE(size);
        const std::string name = "put-" + std::to_string(size) + ".bin";
        write_random_file(scratch_ / name, size, size + 3);
        Put p = put(scratch_ / name, "/files/" + name);
        ASSERT_TRUE(p.run.status.success()) << p.run.describe() << daemon().log();
        EXPECT_EQ(p.status, 201) << p.run.out;
        EXPECT_EQ(p.body, "stored as " + name + "\n") << p.run.out;
        EXPECT_EQ(sha256_of(daemon().incoming() / name), sha256_of(scratch_ / name));
    }
    EXPECT_TRUE(partials().empty()) << ::testing::PrintToString(partials());
    // Each was a transfer like any other, from the client's address.
    StreamdBus bus(daemon().bus_address());
    std::vector<TransferRow> rows;
    for (const auto& row : bus.list_transfers())
        if (row.name.starts_with("put-")) rows.push_back(row);
    ASSERT_EQ(rows.size(), 5u) << describe(bus.list_transfers());
    for (const auto& row : rows) {
        EXPECT_EQ(row.state, "done") << row.describe();
        EXPECT_EQ(row.direction, "in") << row.describe();
        EXPECT_NE(row.peer.find("(http)"), std::string::npos) << row.describe();
    }
}

TEST_F(HttpUpload, ANameTakenGetsAFreeOneAndSaysWhere) {
    write_text_file(scratch_ / "note.txt", "first\n");
    ASSERT_EQ(put(scratch_ / "note.txt", "/files/note.txt").status, 201);
    RawHttp c(daemon().port());
    c.send("PUT /files/note.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 7\r\n\r\nsecond\n");
    auto r = c.read_response();
    ASSERT_TRUE(r.has_value()) << daemon().log();
    EXPECT_EQ(r->status, 201) << r->head;
    EXPECT_EQ(r->field("Location"), "/files/note%20%281%29.txt");
    EXPECT_EQ(r->body, "stored as note (1).txt\n");
    // The connection stays open for the next request.
    c.send("GET /files/note%20%281%29.txt HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto back = c.read_response();
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->body, "second\n");
}

TEST_F(HttpUpload, RefusalsComeBeforeTheBodyAndClose) {
    struct Case {
        std::string head;
        int status;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"PUT /files/big.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40000000\r\n"
         "Expect: 100-continue\r\n\r\n",
         413, "exceeds the limit"},
        {"PUT /files/%2E%2E HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\n", 400, ".."},
        {"PUT /files/a%2Fb HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\n\r\n", 400, "/"},
        {"PUT /files/x HTTP/1.1\r\nHost: localhost\r\n\r\n", 411, "Content-Length"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.head);
        RawHttp conn(daemon().port());
        conn.send(c.head);
        auto said = conn.read_until_closed();
        ASSERT_TRUE(said.has_value()) << "left open after a refused PUT";
        EXPECT_TRUE(said->starts_with("HTTP/1.1 " + std::to_string(c.status) + " ")) << *said;
        EXPECT_EQ(said->find("100 Continue"), std::string::npos) << *said;
        EXPECT_NE(said->find(c.says), std::string::npos) << *said;
    }
    EXPECT_TRUE(entries_in(daemon().incoming()).empty())
        << ::testing::PrintToString(entries_in(daemon().incoming()));
}

TEST_F(HttpUpload, ABodyThatStopsShortLeavesNothing) {
    {
        RawHttp c(daemon().port());
        c.send("PUT /files/short.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6000000\r\n"
               "Expect: 100-continue\r\n\r\n");
        ASSERT_TRUE(wait_until([&] {
            for (const auto& row : StreamdBus(daemon().bus_address()).list_transfers())
                if (row.name == "short.bin") return true;
            return false;
        })) << daemon().log();
        c.send(std::string(5 * MiB, 'x'));
    }
    StreamdBus bus(daemon().bus_address());
    std::vector<TransferRow> rows;
    ASSERT_TRUE(wait_until([&] {
        rows = bus.list_transfers();
        for (const auto& row : rows)
            if (row.name == "short.bin") return row.state == "failed";
        return false;
    })) << describe(rows)
        << daemon().log();
    EXPECT_TRUE(wait_until([&] { return entries_in(daemon().incoming()).empty(); }))
        << ::testing::PrintToString(entries_in(daemon().incoming()));
    // And the port goes on serving.
    write_text_file(scratch_ / "after.txt", "after\n");
    EXPECT_EQ(put(scratch_ / "after.txt", "/files/after.txt").status, 201);
}

TEST_F(HttpUpload, CancelingItEndsTheRequestAndLeavesNothing) {
    RawHttp c(daemon().port());
    c.send("PUT /files/canceled.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6000000\r\n"
           "\r\n" +
           std::string(5 * MiB, 'x'));
    StreamdBus bus(daemon().bus_address());
    std::optional<TransferRow> row;
    ASSERT_TRUE(wait_until([&] {
        for (const auto& r : bus.list_transfers())
            if (r.name == "canceled.bin" && r.bytes_done > 0) row = r;
        return row.has_value();
    })) << daemon().log();
    bus.cancel_transfer(row->id);
    EXPECT_TRUE(c.read_until_closed().has_value()) << "left open after its transfer was canceled";
    EXPECT_EQ(bus.find_transfer(row->id)->state, "canceled");
    EXPECT_TRUE(wait_until([&] { return entries_in(daemon().incoming()).empty(); }))
        << ::testing::PrintToString(entries_in(daemon().incoming()));
}

} // namespace
} // namespace streamd::it

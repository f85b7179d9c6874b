// The web side of the daemon's port, driven by the real curl and, for what curl will not
// send, by hand: the page, the JSON API, downloads with ranges and validators, names that
// must not reach outside the incoming folder, malformed requests and slow ones.

#include "auth_proof.hpp"
#include "json_value.hpp"
#include "machine_address.hpp"
#include "native_frames.hpp"
#include "process.hpp"
#include "raw_http.hpp"
#include "raw_peer.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "suite_daemon.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "wait_until.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

std::string contents_of(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Http : public SuiteDaemon<Http> {
public:
    static StreamdOptions options() { return StreamdOptions{.max_file_size = "\"1M\""}; }

protected:
    // curl with `args`; its stdout, and the status code it saw as the last line of it.
    static RunResult curl(std::vector<std::string> args) {
        SpawnOptions spawn;
        spawn.argv = {"curl", "--silent", "--show-error", "--max-time", "60"};
        spawn.argv.insert(spawn.argv.end(), args.begin(), args.end());
        return run(spawn, std::chrono::seconds(90));
    }

    // GET `path` into `out`; returns the status code.
    static int download(const std::string& path, const fs::path& out,
                        std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--output", out.string(), "--write-out", "%{http_code}"};
        args.insert(args.end(), extra.begin(), extra.end());
        args.push_back(url(path));
        RunResult r = curl(args);
        EXPECT_TRUE(r.status.success()) << r.describe() << daemon().log();
        return r.out.empty() ? 0 : std::stoi(r.out);
    }

    // One request on a connection of its own, which the daemon closes after the answer.
    static HttpReply ask(const std::string& request_head, bool head_request = false) {
        RawHttp c(daemon().port());
        c.send(request_head);
        auto reply = c.read_response(head_request);
        EXPECT_TRUE(reply.has_value()) << "no complete response\n" << daemon().log();
        return reply.value_or(HttpReply{});
    }

    static HttpReply get(const std::string& path, const std::string& fields = "") {
        return ask("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" +
                   fields + "\r\n");
    }

    fixtures::TempDir scratch_{"streamd-it-http"};
};

TEST_F(Http, ServesThePage) {
    HttpReply r = get("/");
    EXPECT_EQ(r.status, 200) << r.head;
    EXPECT_EQ(r.field("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(r.field("Cache-Control"), "no-cache");
    EXPECT_NE(r.body.find("<title>streamd</title>"), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("/api/files"), std::string::npos) << r.body;
    EXPECT_EQ(r.field("Content-Length"), std::to_string(r.body.size()));

    fs::path page = scratch_ / "page.html";
    EXPECT_EQ(download("/", page), 200);
    EXPECT_EQ(contents_of(page), r.body);
}

TEST_F(Http, ListsReceivedFilesAndFoldersAndHidesEverythingElse) {
    const fs::path in = daemon().incoming();
    write_random_file(in / "b.bin", 1000, 1);
    write_text_file(in / "a.txt", "hello\n");
    const std::string odd = "quote\" back\\slash \xc3\xbc.txt";
    write_text_file(in / odd, "odd\n");
    set_mtime(in / "a.txt", 1700000000, 5);
    // A folder, with its files' bytes, links beneath it not followed.
    fs::create_directories(in / "folder" / "inner");
    write_random_file(in / "folder" / "inner" / "x.bin", 300, 2);
    write_random_file(in / "folder" / "y.bin", 20, 3);
    fs::create_symlink(in / "b.bin", in / "folder" / "link.bin");
    set_mtime(in / "folder", 1600000000, 0);
    // Transfers in progress and a link: none of them is a received file.
    write_text_file(in / ".streamd-0123456789abcdef0123456789abcdef.part", "partial");
    write_text_file(in / ".streamd-0123456789abcdef0123456789abcdef.journal", "journal");
    fs::create_directory(in / ".streamd-0123456789abcdef0123456789abcdee.tree");
    fs::create_symlink(in / "a.txt", in / "link.txt");

    HttpReply r = get("/api/files");
    ASSERT_EQ(r.status, 200) << r.head;
    EXPECT_EQ(r.field("Content-Type"), "application/json");
    proto::JsonValue list = proto::parse_json(r.body);
    ASSERT_TRUE(list.is_array()) << r.body;
    std::vector<std::string> names;
    for (const auto& f : list.as_array()) {
        if (f.at("name").as_string() != "folder") {
            EXPECT_EQ(f.keys(), (std::vector<std::string>{"name", "size", "mtime"})) << f.dump();
        }
        names.push_back(f.at("name").as_string());
    }
    EXPECT_EQ(names, (std::vector<std::string>{"a.txt", "b.bin", "folder", odd})) << r.body;
    ASSERT_EQ(list.as_array().size(), 4u);
    const auto& folder = list.as_array()[2];
    EXPECT_EQ(folder.keys(), (std::vector<std::string>{"name", "size", "mtime", "folder"}));
    EXPECT_EQ(folder.at("size").as_uint(), 320u);
    EXPECT_EQ(folder.at("mtime").as_uint(), 1600000000u);
    EXPECT_TRUE(folder.at("folder").as_bool());
    EXPECT_EQ(list.as_array()[0].at("size").as_uint(), 6u);
    EXPECT_EQ(list.as_array()[0].at("mtime").as_uint(), 1700000000u);
    EXPECT_EQ(list.as_array()[1].at("size").as_uint(), 1000u);
}

TEST_F(Http, InfoSaysVersionLimitAndKey) {
    HttpReply r = get("/api/info");
    ASSERT_EQ(r.status, 200) << r.head;
    proto::JsonValue info = proto::parse_json(r.body);
    EXPECT_FALSE(info.at("version").as_string().empty());
    EXPECT_EQ(info.at("max_file_size").as_uint(), 1024u * 1024u);
    EXPECT_FALSE(info.at("key").as_bool());
}

TEST_F(Http, DownloadsAreByteIdentical) {
    const std::vector<std::pair<std::string, uint64_t>> files = {
        {"empty.bin", 0}, {"one.bin", 1}, {"big.bin", 20 * MiB}};
    for (const auto& [name, size] : files) {
        SCOPED_TRACE(name);
        write_random_file(daemon().incoming() / name, size, size + 3);
        fs::path out = scratch_ / name;
        EXPECT_EQ(download("/files/" + name, out), 200);
        EXPECT_EQ(fs::file_size(out), size);
        EXPECT_EQ(sha256_of(out), sha256_of(daemon().incoming() / name));
    }
}

TEST_F(Http, RangesGivePartialContent) {
    write_random_file(daemon().incoming() / "r.bin", 100, 9);
    const std::string whole = contents_of(daemon().incoming() / "r.bin");
    struct Case {
        std::string range;
        std::string bytes;
    };
    for (const Case& c : {Case{"10-19", whole.substr(10, 10)}, Case{"5-", whole.substr(5)},
                          Case{"-7", whole.substr(93)}, Case{"90-500", whole.substr(90)}}) {
        SCOPED_TRACE(c.range);
        fs::path out = scratch_ / "part";
        EXPECT_EQ(download("/files/r.bin", out, {"--range", c.range}), 206);
        EXPECT_EQ(contents_of(out), c.bytes);
    }
    HttpReply r = get("/files/r.bin", "Range: bytes=10-19\r\n");
    EXPECT_EQ(r.status, 206);
    EXPECT_EQ(r.field("Content-Range"), "bytes 10-19/100");

    fs::path out = scratch_ / "outside";
    EXPECT_EQ(download("/files/r.bin", out, {"--range", "100-200"}), 416);
    r = get("/files/r.bin", "Range: bytes=100-200\r\n");
    EXPECT_EQ(r.status, 416);
    EXPECT_EQ(r.field("Content-Range"), "bytes */100");

    // Several ranges: the whole file, as RFC 9110 allows.
    r = get("/files/r.bin", "Range: bytes=0-1,5-6\r\n");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, whole);
}

TEST_F(Http, IfRangeWithAnotherValidatorGivesTheWholeFile) {
    write_random_file(daemon().incoming() / "v.bin", 50, 10);
    HttpReply first = get("/files/v.bin");
    auto etag = first.field("ETag");
    ASSERT_TRUE(etag.has_value()) << first.head;
    HttpReply same = get("/files/v.bin", "Range: bytes=0-9\r\nIf-Range: " + *etag + "\r\n");
    EXPECT_EQ(same.status, 206);
    EXPECT_EQ(same.body.size(), 10u);
    HttpReply other = get("/files/v.bin", "Range: bytes=0-9\r\nIf-Range: \"other\"\r\n");
    EXPECT_EQ(other.status, 200);
    EXPECT_EQ(other.body.size(), 50u);
}

TEST_F(Http, HeadGivesTheHeadersAlone) {
    write_random_file(daemon().incoming() / "h.bin", 4096, 11);
    RawHttp c(daemon().port());
    c.send("HEAD /files/h.bin HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    auto rest = c.read_until_closed();
    ASSERT_TRUE(rest.has_value());
    ASSERT_TRUE(rest->starts_with("HTTP/1.1 200 OK\r\n")) << *rest;
    EXPECT_TRUE(rest->ends_with("\r\n\r\n")) << "a body follows the head";
    EXPECT_NE(rest->find("Content-Length: 4096\r\n"), std::string::npos) << *rest;
    EXPECT_NE(rest->find("Accept-Ranges: bytes\r\n"), std::string::npos) << *rest;

    RunResult r = curl({"--head", url("/api/files")});
    EXPECT_TRUE(r.status.success()) << r.describe();
    EXPECT_NE(r.out.find("HTTP/1.1 200 OK"), std::string::npos) << r.out;
}

TEST_F(Http, MatchingEtagGivesNotModified) {
    write_random_file(daemon().incoming() / "e.bin", 300, 12);
    HttpReply r = get("/files/e.bin");
    ASSERT_EQ(r.status, 200);
    auto etag = r.field("ETag");
    ASSERT_TRUE(etag.has_value()) << r.head;
    EXPECT_TRUE(etag->starts_with("\"") && etag->ends_with("\"")) << *etag;
    EXPECT_TRUE(r.field("Last-Modified").has_value()) << r.head;

    HttpReply again = get("/files/e.bin", "If-None-Match: " + *etag + "\r\n");
    EXPECT_EQ(again.status, 304) << again.head;
    EXPECT_EQ(again.body, "");
    EXPECT_EQ(again.field("ETag"), etag);

    fs::path out = scratch_ / "e.bin";
    EXPECT_EQ(download("/files/e.bin", out, {"--header", "If-None-Match: " + *etag}), 304);

    // Another file in its place is another representation.
    write_random_file(daemon().incoming() / "e.bin.new", 300, 13);
    fs::rename(daemon().incoming() / "e.bin.new", daemon().incoming() / "e.bin");
    EXPECT_EQ(get("/files/e.bin", "If-None-Match: " + *etag + "\r\n").status, 200);
}

TEST_F(Http, NamesWithSpacesAndUtf8) {
    const std::string name = "a b \xc3\xbc\xe2\x82\xac.txt"; // "a b ü€.txt"
    write_random_file(daemon().incoming() / name, 777, 14);
    const std::string path = "/files/a%20b%20%C3%BC%E2%82%AC.txt";
    fs::path out = scratch_ / "named";
    EXPECT_EQ(download(path, out), 200);
    EXPECT_EQ(sha256_of(out), sha256_of(daemon().incoming() / name));

    HttpReply r = get(path);
    EXPECT_EQ(r.field("Content-Disposition"),
              "attachment; filename=\"a b __.txt\"; filename*=UTF-8''a%20b%20%C3%BC%E2%82%AC.txt");
    EXPECT_EQ(r.field("Content-Type"), "application/octet-stream");

    // curl names the file after the header.
    fs::create_directory(scratch_ / "cd");
    SpawnOptions spawn;
    spawn.argv = {"curl",
                  "--silent",
                  "--show-error",
                  "--remote-name",
                  "--remote-header-name",
                  "--output-dir",
                  (scratch_ / "cd").string(),
                  url(path)};
    RunResult named = run(spawn, std::chrono::seconds(90));
    EXPECT_TRUE(named.status.success()) << named.describe();
    EXPECT_EQ(entries_in(scratch_ / "cd").size(), 1u);
}

TEST_F(Http, NamesOutsideTheReceivedFilesAreNotFound) {
    fixtures::TempDir outside("streamd-it-http-outside");
    write_text_file(outside / "secret", "the secret\n");
    fs::create_symlink(outside / "secret", daemon().incoming() / "leak");
    fs::create_symlink(outside.path(), daemon().incoming() / "dir-leak");
    write_text_file(daemon().incoming() / ".streamd-00112233445566778899aabbccddeeff.part", "p");
    fs::create_directory(daemon().incoming() / "folder");
    // Opening a FIFO for reading waits for a writer; the daemon must not.
    ASSERT_EQ(::mkfifo((daemon().incoming() / "fifo").c_str(), 0644), 0);
    const std::vector<std::string> paths = {
        "/files/fifo",
        "/files/..%2F..%2Fetc%2Fpasswd",
        "/files/../../etc/passwd",
        "/files/%2e%2e",
        "/files/.",
        "/files/%00",
        "/files/a%00b",
        "/files/%ff",
        "/files/bad%zz",
        "/files/",
        "/files/.streamd-00112233445566778899aabbccddeeff.part",
        "/files/leak",
        "/files/dir-leak%2Fsecret",
        "/files/dir-leak/secret",
        "/files/folder",
        "/files/missing",
        "/etc/passwd",
        "/api/nothing",
    };
    for (const std::string& path : paths) {
        SCOPED_TRACE(path);
        HttpReply r = get(path);
        EXPECT_EQ(r.status, 404) << r.head;
        EXPECT_EQ(r.body.find("secret"), std::string::npos);
        EXPECT_EQ(r.body.find("root:"), std::string::npos);
    }
}

TEST_F(Http, RequestsForOtherNamesAreForbidden) {
    write_text_file(daemon().incoming() / "private.txt", "private\n");
    // What a page of a name pointed at 127.0.0.1 (DNS rebinding) would send.
    HttpReply r = ask("GET /files/private.txt HTTP/1.1\r\nHost: rebound.example:" +
                      std::to_string(daemon().port()) + "\r\n\r\n");
    EXPECT_EQ(r.status, 403) << r.head;
    EXPECT_EQ(r.body.find("private"), std::string::npos) << r.body;
    EXPECT_EQ(get("/files/private.txt").status, 200);
    RunResult named =
        curl({"--resolve", "localhost:" + std::to_string(daemon().port()) + ":127.0.0.1",
              url("/files/private.txt").replace(7, 9, "localhost")});
    EXPECT_EQ(named.out, "private\n") << named.describe();
}

TEST_F(Http, OtherMethodsAreNotAllowed) {
    for (const std::string method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
        SCOPED_TRACE(method);
        HttpReply r = ask(
            method + " /api/files HTTP/1.1\r\nHost: localhost\r\nConnection: " + "close\r\n\r\n");
        EXPECT_EQ(r.status, 405) << r.head;
        EXPECT_EQ(r.field("Allow"), "GET, HEAD");
    }
    RawHttp c(daemon().port());
    c.send("POST /files/x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello");
    auto r = c.read_response();
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 413) << r->head;
    EXPECT_TRUE(c.read_until_closed().has_value()) << "left open after a request with a body";
}

TEST_F(Http, MalformedRequestIsRefusedAndTransfersGoOn) {
    RawHttp c(daemon().port());
    c.send("GET /a\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto said = c.read_until_closed();
    ASSERT_TRUE(said.has_value()) << "left open after a malformed request";
    EXPECT_TRUE(said->starts_with("HTTP/1.1 400 Bad Request\r\n")) << *said;

    RawHttp version(daemon().port());
    version.send("GET / HTTP/2.0\r\nHost: localhost\r\n\r\n");
    said = version.read_until_closed();
    ASSERT_TRUE(said.has_value());
    EXPECT_TRUE(said->starts_with("HTTP/1.1 505 ")) << *said;

    RawHttp method(daemon().port());
    method.send("BREW / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    said = method.read_until_closed();
    ASSERT_TRUE(said.has_value());
    EXPECT_TRUE(said->starts_with("HTTP/1.1 501 ")) << *said;

    EXPECT_TRUE(welcomed(daemon().port())) << daemon().log();
    StreamdInstance sender;
    write_random_file(scratch_ / "after.bin", 300000, 15);
    auto r = run_streamctl(sender.bus_address(),
                           {"send", (scratch_ / "after.bin").string(), daemon().endpoint()});
    ASSERT_TRUE(r.status.success()) << r.describe() << daemon().log();
    EXPECT_EQ(sha256_of(daemon().incoming() / "after.bin"), sha256_of(scratch_ / "after.bin"));
}

TEST_F(Http, OversizedHeadIsRefused) {
    RawHttp c(daemon().port());
    c.send("GET / HTTP/1.1\r\nHost: localhost\r\nX-Filler: " + std::string(20 * 1024, 'x') +
           "\r\n\r\n");
    auto said = c.read_until_closed();
    ASSERT_TRUE(said.has_value());
    EXPECT_TRUE(said->starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << *said;
}

TEST_F(Http, KeepAliveAnswersOneRequestAfterAnother) {
    write_random_file(daemon().incoming() / "k.bin", 70000, 16);
    RawHttp c(daemon().port());
    c.send("GET /files/k.bin HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto first = c.read_response();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->status, 200);
    EXPECT_EQ(first->body, contents_of(daemon().incoming() / "k.bin"));
    EXPECT_FALSE(first->field("Connection").has_value()) << first->head;

    c.send("HEAD /api/info HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto second = c.read_response(true);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->status, 200);

    // Two at once: answered in order.
    c.send("GET /api/info HTTP/1.1\r\nHost: localhost\r\n\r\n"
           "GET /nothing HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    auto third = c.read_response();
    auto fourth = c.read_response();
    ASSERT_TRUE(third.has_value() && fourth.has_value());
    EXPECT_EQ(third->status, 200);
    EXPECT_EQ(fourth->status, 404);
    EXPECT_EQ(fourth->field("Connection"), "close");
    EXPECT_EQ(c.read_until_closed(), "");

    // HTTP/1.0 closes after its response.
    RawHttp old(daemon().port());
    old.send("GET /api/info HTTP/1.0\r\n\r\n");
    auto reply = old.read_response();
    ASSERT_TRUE(reply.has_value());
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(old.read_until_closed(), "");
}

TEST(HttpLimits, AHeadThatStopsHalfwayIsClosedAfterTheHandshakeTimeout) {
    StreamdInstance daemon(StreamdOptions{.limits = "handshake_timeout = 1\n"});
    RawHttp first(daemon.port());
    first.send("GET / HTTP/1.1\r\nHo");
    RawHttp later(daemon.port());
    later.send("GET /api/info HTTP/1.1\r\nHost: localhost\r\n\r\n");
    auto reply = later.read_response();
    ASSERT_TRUE(reply.has_value());
    later.send("GET /api/info HTTP/1.1\r\nHo");

    for (RawHttp* c : {&first, &later}) {
        auto said = c->read_until_closed();
        ASSERT_TRUE(said.has_value()) << "still open\n" << daemon.log();
        EXPECT_EQ(*said, "");
    }
    EXPECT_NE(daemon.log().find("no complete request head within 1 s"), std::string::npos)
        << daemon.log();
}

TEST(HttpLimits, ConnectionsAreCountedPerAddressAndGivenBack) {
    StreamdInstance daemon(
        StreamdOptions{.limits = "handshake_timeout = 0\nmax_connections_per_address = 2\n"});
    // False also when the daemon closed the connection on arrival, before or after the send.
    auto ask_info = [&](RawHttp& c) {
        try {
            c.send("GET /api/info HTTP/1.1\r\nHost: localhost\r\n\r\n");
            auto r = c.read_response();
            return r && r->status == 200;
        } catch (const std::system_error&) {
            return false;
        }
    };
    // Many in turn: each one handed over from the native side and closed gives its place back.
    for (int i = 0; i < 6; ++i) {
        RawHttp c(daemon.port());
        c.send("GET /api/info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        ASSERT_TRUE(c.read_until_closed().has_value());
    }
    auto first = std::make_unique<RawHttp>(daemon.port());
    ASSERT_TRUE(ask_info(*first)) << daemon.log();
    RawHttp second(daemon.port());
    ASSERT_TRUE(ask_info(second)) << daemon.log();
    // Both kept open: a third is one too many.
    RawHttp third(daemon.port());
    EXPECT_EQ(third.read_until_closed(), "");
    first.reset();
    EXPECT_TRUE(wait_until([&] {
        RawHttp c(daemon.port());
        return ask_info(c);
    })) << daemon.log();
}

// The body and the status of a GET with curl, "BODY\nSTATUS".
RunResult curl_get(const std::string& url, const std::string& cookie = "") {
    SpawnOptions spawn;
    spawn.argv = {"curl", "--silent", "--show-error", "--write-out", "\n%{http_code}"};
    if (!cookie.empty()) spawn.argv.insert(spawn.argv.end(), {"--cookie", cookie});
    spawn.argv.push_back(url);
    return run(spawn, std::chrono::seconds(90));
}

TEST(HttpLimits, ClientsOffLoopbackAreForbiddenWithoutAKey) {
    auto address = non_loopback_address();
    if (!address) GTEST_SKIP() << "this machine has no address besides loopback";
    // Connecting to the machine's own address comes from that address, not from loopback.
    StreamdInstance daemon(StreamdOptions{.address = *address});
    RunResult r =
        curl_get("http://" + *address + ":" + std::to_string(daemon.port()) + "/api/files");
    EXPECT_EQ(r.out,
              "the web interface accepts only loopback clients: set [auth] secret_file\n\n403")
        << r.describe() << daemon.log();
}

TEST(HttpLimits, ClientsOffLoopbackShowTheKeysTokenForTheFiles) {
    auto address = non_loopback_address();
    if (!address) GTEST_SKIP() << "this machine has no address besides loopback";
    fixtures::TempDir keys("streamd-it-http-key");
    constexpr std::string_view kKey = "a key for the web side";
    std::ofstream(keys / "web.key") << kKey << "\n";
    fs::permissions(keys / "web.key", fs::perms::owner_read | fs::perms::owner_write);
    StreamdInstance daemon(StreamdOptions{.secret_file = keys / "web.key", .address = *address});
    const std::string base = "http://" + *address + ":" + std::to_string(daemon.port());

    // The page is open, so that it can ask for the key.
    EXPECT_TRUE(curl_get(base + "/").out.ends_with("\n200")) << daemon.log();
    EXPECT_TRUE(curl_get(base + "/api/info").out.ends_with("\n200")) << daemon.log();
    RunResult refused = curl_get(base + "/api/files");
    EXPECT_EQ(refused.out, "the key is needed: enter it on the page first\n\n403")
        << refused.describe();
    EXPECT_TRUE(curl_get(base + "/api/files", "streamd_token=" + std::string(64, '0'))
                    .out.ends_with("\n403"));

    const auto token = proto::to_hex(
        proto::web_token(std::span(reinterpret_cast<const uint8_t*>(kKey.data()), kKey.size())));
    RunResult listed = curl_get(base + "/api/files", "other=1; streamd_token=" + token);
    EXPECT_EQ(listed.out, "[]\n\n200") << listed.describe() << daemon.log();
}

TEST(HttpLimits, WebOffAnswersNotImplemented) {
    StreamdInstance daemon(StreamdOptions{.web_enabled = false});
    SpawnOptions spawn;
    spawn.argv = {"curl",
                  "--silent",
                  "--write-out",
                  "%{http_code}",
                  "--output",
                  "/dev/null",
                  "http://127.0.0.1:" + std::to_string(daemon.port()) + "/"};
    RunResult r = run(spawn, std::chrono::seconds(90));
    EXPECT_EQ(r.out, "501") << r.describe() << daemon.log();
}

} // namespace
} // namespace streamd::it

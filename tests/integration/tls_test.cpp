// [tls]: daemons that share a key talk TLS 1.3 with it as the PSK; what crosses the wire is
// none of the file, a corrupted record breaks only its connection, and a plain peer, a
// missing key or a certificate that does not fit its key each get their own one-line reason.
// Browsers get HTTPS on the same port with the daemon's certificate.

#include "control_expectations.hpp"
#include "json_value.hpp"
#include "process.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "tool_paths.hpp"
#include "unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <map>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;
using proto::JsonValue;

constexpr auto kTimeout = std::chrono::seconds(60);
constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr const char* kEncrypted = "TLS1.3 AES-256-GCM, user space";

std::string read_text(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

RunResult run_tool(std::vector<std::string> argv) {
    SpawnOptions o;
    o.argv = std::move(argv);
    return run(o, kTimeout);
}

// The transfer named `name` in `streamctl list --json` on `daemon`.
std::optional<JsonValue> listed(StreamdInstance& daemon, const std::string& name) {
    RunResult r = run_streamctl(daemon.bus_address(), {"list", "--json"});
    if (!r.status.success()) return std::nullopt;
    JsonValue list = proto::parse_json(r.out);
    for (const auto& entry : list.as_array())
        if (entry.at("name").as_string() == name) return entry;
    return std::nullopt;
}

class Tls : public ::testing::Test {
protected:
    fs::path file_to_send(std::uint64_t size, std::uint64_t seed) {
        fs::path file = files_ / ("tls-" + std::to_string(seed) + ".bin");
        write_random_file(file, size, seed);
        return file;
    }
    // The same key for every daemon that asks: the first to start creates it.
    StreamdOptions keyed(StreamdOptions o = {}) {
        o.secret_file = keys_ / "shared.key";
        return o;
    }
    static StreamdOptions eager(StreamdOptions o) {
        o.reconnect_attempts = 20;
        o.reconnect_delay = "0";
        return o;
    }
    // Sends a file through a relay that flips one bit of the stream at `flip_at`: the record
    // that carried it fails to decrypt, its connection ends, and the transfer goes on over
    // another and arrives identical. Returns how the sender says it was encrypted.
    std::string send_past_a_flipped_bit(std::uint64_t flip_at, std::uint64_t size,
                                        std::uint64_t seed) {
        RelayedPair pair(eager(keyed()), keyed());
        pair.relay.flip_once_at(flip_at);
        fs::path file = file_to_send(size, seed);
        auto r = run_streamctl(pair.sender.bus_address(),
                               {"send", "--streams", "1", file.string(), pair.relay.endpoint()});
        EXPECT_TRUE(succeeded(r)) << pair.logs();
        EXPECT_TRUE(pair.relay.flipped());
        EXPECT_EQ(sha256_of(pair.receiver.incoming() / file.filename()), sha256_of(file));
        EXPECT_GE(pair.relay.counts().accepted, 2u) << pair.logs();
        EXPECT_NE(pair.sender.log(200).find("trying again"), std::string::npos) << pair.logs();
        auto sent = listed(pair.sender, file.filename().string());
        return sent ? sent->at("encryption").as_string() : "";
    }

    fixtures::TempDir keys_{"streamd-it-tls-keys"};
    fixtures::TempDir files_{"streamd-it-tls"};
};

// ---- between daemons ------------------------------------------------------------------

TEST_F(Tls, DaemonsWithAKeyEncryptWithOneAndWithEightStreams) {
    StreamdInstance receiver(keyed());
    StreamdInstance sender(keyed());
    for (unsigned streams : {1u, 8u}) {
        SCOPED_TRACE(std::to_string(streams) + " streams");
        fs::path file = file_to_send(24 * kMiB + 12345, streams);
        auto r = run_streamctl(sender.bus_address(),
                               {"send", "--streams", std::to_string(streams), "--chunk-size", "1M",
                                file.string(), receiver.endpoint()});
        ASSERT_TRUE(succeeded(r)) << sender.log() << receiver.log();
        EXPECT_EQ(sha256_of(receiver.incoming() / file.filename()), sha256_of(file));
        for (StreamdInstance* daemon : {&sender, &receiver}) {
            auto entry = listed(*daemon, file.filename().string());
            ASSERT_TRUE(entry) << daemon->log();
            EXPECT_EQ(entry->at("encryption").as_string(), kEncrypted);
        }
    }
    EXPECT_NE(sender.log(200).find("encrypting in user space (kernel TLS: "), std::string::npos)
        << sender.log();
}

TEST_F(Tls, StatusSaysHowATransferIsEncrypted) {
    StreamdInstance receiver(keyed());
    StreamdInstance sender(keyed());
    fs::path file = file_to_send(3 * kMiB, 20);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(r)) << sender.log() << receiver.log();
    auto entry = listed(sender, file.filename().string());
    ASSERT_TRUE(entry);
    const std::string id = std::to_string(entry->at("id").as_uint());
    RunResult status = run_streamctl(sender.bus_address(), {"status", id});
    ASSERT_TRUE(status.status.success()) << status.describe();
    EXPECT_NE(status.out.find(std::string("Encryption: ") + kEncrypted), std::string::npos)
        << status.out;
    RunResult json = run_streamctl(sender.bus_address(), {"status", id, "--json"});
    ASSERT_TRUE(json.status.success()) << json.describe();
    EXPECT_EQ(proto::parse_json(json.out).at("encryption").as_string(), kEncrypted);
}

TEST_F(Tls, LoopbackDaemonsWithoutAKeyStayPlainAndSayso) {
    StreamdInstance receiver;
    StreamdInstance sender;
    fs::path file = file_to_send(1 * kMiB, 30);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    ASSERT_TRUE(succeeded(r)) << sender.log() << receiver.log();
    for (StreamdInstance* daemon : {&sender, &receiver}) {
        auto entry = listed(*daemon, file.filename().string());
        ASSERT_TRUE(entry);
        EXPECT_EQ(entry->at("encryption").as_string(), "none");
    }
}

// Whether any of 64 pieces of `file`, 32 bytes each and spread over it, is in `seen`.
bool holds_any_of(const std::vector<char>& seen, const fs::path& file) {
    const std::string content = read_text(file);
    for (std::size_t i = 0; i < 64; ++i) {
        const std::size_t at = i * (content.size() - 32) / 63;
        if (std::search(seen.begin(), seen.end(), content.begin() + static_cast<long>(at),
                        content.begin() + static_cast<long>(at + 32)) != seen.end())
            return true;
    }
    return false;
}

TEST_F(Tls, ARecordingOfAPlainTransferHoldsTheFile) {
    // The recorder itself: what it keeps of a plain transfer is the file.
    RelayedPair pair;
    pair.relay.record();
    fs::path file = file_to_send(4 * kMiB, 40);
    auto r = run_streamctl(pair.sender.bus_address(),
                           {"send", "--streams", "2", file.string(), pair.relay.endpoint()});
    ASSERT_TRUE(succeeded(r)) << pair.logs();
    EXPECT_TRUE(holds_any_of(pair.relay.recorded(), file));
}

TEST_F(Tls, ARecordingOfAnEncryptedTransferHoldsNoneOfTheFile) {
    RelayedPair pair(keyed(), keyed());
    pair.relay.record();
    fs::path file = file_to_send(4 * kMiB, 41);
    auto r = run_streamctl(pair.sender.bus_address(),
                           {"send", "--streams", "2", file.string(), pair.relay.endpoint()});
    ASSERT_TRUE(succeeded(r)) << pair.logs();
    EXPECT_EQ(sha256_of(pair.receiver.incoming() / file.filename()), sha256_of(file));
    const auto seen = pair.relay.recorded();
    EXPECT_GT(seen.size(), 4 * kMiB);
    EXPECT_FALSE(holds_any_of(seen, file));
}

TEST_F(Tls, AFlippedBitBreaksItsConnectionAndTheTransferResumes) {
    EXPECT_EQ(send_past_a_flipped_bit(5 * kMiB + 777, 16 * kMiB, 50), kEncrypted);
}

// ---- where the kernel has TLS ---------------------------------------------------------

// Why this kernel cannot take TLS records over, or nothing when it can.
std::optional<std::string> kernel_tls_missing() {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    // On a socket not yet connected, ENOTCONN says the kernel knows "tls".
    if (::setsockopt(fd.get(), SOL_TCP, TCP_ULP, "tls", 4) == 0 || errno == ENOTCONN)
        return std::nullopt;
    return std::string("TCP_ULP \"tls\": ") + std::strerror(errno);
}

// The sender hands its side to the kernel after the handshake and splices from the page
// cache again; the receiver decrypts in user space. `make test` runs these in a VM whose
// kernel has TLS (tests/vm/).
class KernelTls : public Tls {
protected:
    void SetUp() override {
        if (auto why = kernel_tls_missing())
            GTEST_SKIP() << "skipped: this kernel has no TLS (" << *why << ")";
    }
};

TEST_F(KernelTls, TheKernelSealsWhatTheSenderSplices) {
    RelayedPair pair(keyed(), keyed());
    pair.relay.record();
    fs::path file = file_to_send(12 * kMiB + 4321, 70);
    auto r = run_streamctl(pair.sender.bus_address(), {"send", "--streams", "4", "--chunk-size",
                                                       "1M", file.string(), pair.relay.endpoint()});
    ASSERT_TRUE(succeeded(r)) << pair.logs();
    EXPECT_EQ(sha256_of(pair.receiver.incoming() / file.filename()), sha256_of(file));
    auto sent = listed(pair.sender, file.filename().string());
    auto received = listed(pair.receiver, file.filename().string());
    ASSERT_TRUE(sent && received) << pair.logs();
    EXPECT_EQ(sent->at("encryption").as_string(), "TLS1.3 AES-256-GCM, kernel send");
    EXPECT_EQ(received->at("encryption").as_string(), kEncrypted);
    const auto seen = pair.relay.recorded();
    EXPECT_GT(seen.size(), 12 * kMiB);
    EXPECT_FALSE(holds_any_of(seen, file));
    const std::string log = pair.sender.log(200);
    EXPECT_NE(log.find("sending to peers through the kernel's TLS"), std::string::npos) << log;
    EXPECT_EQ(log.find("refused by the kernel"), std::string::npos) << log;
}

TEST_F(KernelTls, AFlippedBitInAKernelRecordBreaksItsConnectionAndTheTransferResumes) {
    EXPECT_EQ(send_past_a_flipped_bit(3 * kMiB + 777, 8 * kMiB, 71),
              "TLS1.3 AES-256-GCM, kernel send");
}

// ---- refusals, each with its reason -----------------------------------------------------

TEST_F(Tls, APlainSenderIsToldThatTheReceiverRequiresEncryption) {
    StreamdInstance receiver(keyed({.tls = "mode = \"required\"\n"}));
    StreamdInstance sender(keyed({.tls = "mode = \"off\"\n"}));
    fs::path file = file_to_send(100000, 60);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    expect_streamctl_failure(r,
                             {"rejected by peer: this daemon accepts only encrypted connections"},
                             sender.log() + receiver.log());
    EXPECT_EQ(entries_in(receiver.incoming()), std::vector<std::string>{});
}

TEST_F(Tls, RequiringEncryptionWithoutAKeyIsExplained) {
    StreamdInstance receiver;
    StreamdInstance sender({.tls = "mode = \"required\"\n"});
    fs::path file = file_to_send(100000, 61);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    expect_streamctl_failure(r, {"encryption is required here", "set [auth] secret_file"},
                             sender.log() + receiver.log());
    EXPECT_EQ(entries_in(receiver.incoming()), std::vector<std::string>{});
}

TEST_F(Tls, AReceiverWithTlsOffIsNamedAsTheCause) {
    StreamdInstance receiver(keyed({.tls = "mode = \"off\"\n"}));
    StreamdInstance sender(keyed());
    fs::path file = file_to_send(100000, 62);
    auto r = run_streamctl(sender.bus_address(), {"send", file.string(), receiver.endpoint()});
    expect_streamctl_failure(r, {"closed the connection during the TLS handshake"},
                             sender.log() + receiver.log());
    EXPECT_EQ(entries_in(receiver.incoming()), std::vector<std::string>{});
}

// A key pair as an operator makes one with openssl.
void make_certificate(const fs::path& certificate, const fs::path& key) {
    auto r =
        run_tool({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                  "-nodes", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                  "-days", "2", "-keyout", key.string(), "-out", certificate.string()});
    ASSERT_TRUE(r.status.success()) << r.describe();
}

TEST_F(Tls, ACertificateThatDoesNotFitItsKeyStopsTheStart) {
    fixtures::TempDir dir;
    make_certificate(dir.path() / "a.pem", dir.path() / "a.key");
    make_certificate(dir.path() / "b.pem", dir.path() / "b.key");
    fs::create_directories(dir.path() / "incoming");
    const fs::path config = dir.path() / "streamd.toml";
    std::ofstream(config) << "[listen]\naddress = \"127.0.0.1\"\nport = 0\n"
                          << "[storage]\nincoming = \"" << (dir.path() / "incoming").string()
                          << "\"\nstate = \"" << (dir.path() / "state").string() << "\"\n"
                          << "[tls]\ncertificate = \"" << (dir.path() / "a.pem").string()
                          << "\"\nprivate_key = \"" << (dir.path() / "b.key").string() << "\"\n";
    auto r = run_tool({streamd_binary().string(), "--user", "--config", config.string()});
    EXPECT_EQ(r.status.code, 1) << r.describe();
    EXPECT_NE(r.err.find((dir.path() / "b.key").string() +
                         ": the private key does not match the certificate"),
              std::string::npos)
        << r.describe();
}

// ---- browsers -------------------------------------------------------------------------

fs::path certificate_of(const StreamdInstance& daemon) {
    return daemon.config_path().parent_path() / "state" / "tls" / "certificate.pem";
}

TEST_F(Tls, HttpsServesThePageAndTakesUploadsWithTheSelfSignedCertificate) {
    StreamdInstance daemon;
    const fs::path ca = certificate_of(daemon);
    ASSERT_TRUE(fs::exists(ca)) << daemon.log();
    const std::string base = "https://127.0.0.1:" + std::to_string(daemon.port());
    // curl trusts the daemon's own certificate, and nothing else.
    auto page = run_tool({"curl", "-sS", "--fail", "--cacert", ca.string(), base + "/"});
    ASSERT_TRUE(page.status.success()) << page.describe() << daemon.log();
    EXPECT_NE(page.out.find("streamd"), std::string::npos);
    fs::path file = file_to_send(5 * kMiB + 3, 70);
    auto put = run_tool({"curl", "-sS", "--fail", "--cacert", ca.string(), "-T", file.string(),
                         base + "/files/uploaded.bin"});
    ASSERT_TRUE(put.status.success()) << put.describe() << daemon.log();
    EXPECT_EQ(sha256_of(daemon.incoming() / "uploaded.bin"), sha256_of(file));
    // The fingerprint streamctl shows is the certificate's.
    auto fp =
        run_tool({"openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", ca.string()});
    ASSERT_TRUE(fp.status.success()) << fp.describe();
    const std::string expected = fp.out.substr(fp.out.find('=') + 1, 95);
    auto stats = run_streamctl(daemon.bus_address(), {"stats", "--json"});
    ASSERT_TRUE(stats.status.success()) << stats.describe();
    EXPECT_EQ(proto::parse_json(stats.out).at("tls_fingerprint").as_string(), expected);
    EXPECT_NE(daemon.log(200).find("SHA-256 fingerprint " + expected), std::string::npos);
}

TEST_F(Tls, OnlyTls12AndTls13AreOffered) {
    StreamdInstance daemon;
    const std::string at = "127.0.0.1:" + std::to_string(daemon.port());
    for (const char* version : {"-tls1_2", "-tls1_3"}) {
        auto r = run_tool(
            {"sh", "-c",
             std::string("echo | openssl s_client -connect ") + at + " " + version + " 2>&1"});
        EXPECT_NE(r.out.find("Cipher is"), std::string::npos) << version << r.out;
        EXPECT_EQ(r.out.find("Cipher is (NONE)"), std::string::npos) << version << r.out;
    }
    auto old = run_tool({"sh", "-c", "echo | openssl s_client -connect " + at + " -tls1_1 2>&1"});
    EXPECT_FALSE(old.status.success()) << old.out;
}

// A CA of the test's own and a certificate from it for 127.0.0.1, as an operator's would
// come from theirs (valid for 90 days, with a revocation list named).
struct IssuedCertificate {
    fs::path ca;
    fs::path certificate;
    fs::path key;
};

IssuedCertificate issue_certificate(const fs::path& dir) {
    IssuedCertificate c{dir / "ca.pem", dir / "site.pem", dir / "site.key"};
    const std::string ca_key = (dir / "ca.key").string();
    const std::string csr = (dir / "site.csr").string();
    const std::string ext = (dir / "site.ext").string();
    std::ofstream(ext) << "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                       << "basicConstraints=critical,CA:FALSE\n"
                       << "keyUsage=critical,digitalSignature\n"
                       << "extendedKeyUsage=serverAuth\n"
                       << "crlDistributionPoints=URI:http://127.0.0.1:9/ca.crl\n";
    for (const std::vector<std::string>& argv : std::vector<std::vector<std::string>>{
             {"openssl",
              "req",
              "-x509",
              "-newkey",
              "ec",
              "-pkeyopt",
              "ec_paramgen_curve:P-256",
              "-nodes",
              "-subj",
              "/CN=streamd test CA",
              "-days",
              "90",
              "-addext",
              "basicConstraints=critical,CA:TRUE",
              "-addext",
              "keyUsage=critical,keyCertSign,cRLSign",
              "-keyout",
              ca_key,
              "-out",
              c.ca.string()},
             {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
              "-subj", "/CN=localhost", "-keyout", c.key.string(), "-out", csr},
             {"openssl", "x509", "-req", "-in", csr, "-CA", c.ca.string(), "-CAkey", ca_key,
              "-CAcreateserial", "-days", "90", "-extfile", ext, "-out", c.certificate.string()}}) {
        auto r = run_tool(argv);
        EXPECT_TRUE(r.status.success()) << r.describe();
    }
    return c;
}

std::string certificate_lines(const fs::path& certificate, const fs::path& key) {
    return "certificate = \"" + certificate.string() + "\"\nprivate_key = \"" + key.string() +
           "\"\n";
}

TEST_F(Tls, TestsslFindsOnlyTls12And13WithAeadSuitesAndNothingSerious) {
    fixtures::TempDir dir;
    const IssuedCertificate issued = issue_certificate(dir.path());
    ASSERT_FALSE(HasFailure());
    StreamdInstance daemon({.tls = certificate_lines(issued.certificate, issued.key)});
    const fs::path report = dir.path() / "testssl.json";
    SpawnOptions o;
    o.argv = {"testssl",    "--quiet",       "--color",
              "0",          "--add-ca",      issued.ca.string(),
              "--jsonfile", report.string(), "127.0.0.1:" + std::to_string(daemon.port())};
    auto r = run(o, std::chrono::minutes(10));
    ASSERT_TRUE(fs::exists(report)) << r.describe();
    const JsonValue findings = proto::parse_json(read_text(report));
    std::map<std::string, std::string> finding;
    for (const auto& f : findings.as_array()) {
        const std::string& id = f.at("id").as_string();
        const std::string& severity = f.at("severity").as_string();
        finding[id] = f.at("finding").as_string();
        EXPECT_TRUE(severity != "HIGH" && severity != "CRITICAL")
            << id << " " << severity << ": " << finding[id];
    }
    for (const char* id : {"SSLv2", "SSLv3", "TLS1", "TLS1_1"})
        EXPECT_EQ(finding[id], "not offered") << id;
    EXPECT_EQ(finding["TLS1_2"], "offered");
    EXPECT_TRUE(finding["TLS1_3"].starts_with("offered")) << finding["TLS1_3"];
    // Only AEAD suites: nothing in the lists of the weaker kinds.
    for (const char* id : {"cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT",
                           "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"})
        EXPECT_EQ(finding[id], "not offered") << id;
    for (const auto& [id, text] : finding) {
        if (!id.starts_with("cipher_x")) continue;
        EXPECT_TRUE(text.find("GCM") != std::string::npos ||
                    text.find("CHACHA20") != std::string::npos)
            << id << ": " << text;
    }
}

TEST_F(Tls, PlainHttpIsRefusedWhereTlsIsRequired) {
    StreamdInstance daemon({.tls = "mode = \"required\"\n"});
    const std::string port = std::to_string(daemon.port());
    auto plain = run_tool({"curl", "-sS", "-o", "/dev/stderr", "-w", "%{http_code}",
                           "http://127.0.0.1:" + port + "/"});
    EXPECT_EQ(plain.out, "403") << plain.describe();
    EXPECT_NE(plain.err.find("streamd answers only HTTPS on this port"), std::string::npos);
    auto tls = run_tool({"curl", "-sS", "--fail", "--cacert", certificate_of(daemon).string(),
                         "https://127.0.0.1:" + port + "/"});
    EXPECT_TRUE(tls.status.success()) << tls.describe();
}

TEST_F(Tls, AConfiguredCertificateIsTheOneShown) {
    fixtures::TempDir dir;
    make_certificate(dir.path() / "site.pem", dir.path() / "site.key");
    StreamdInstance daemon(
        {.tls = certificate_lines(dir.path() / "site.pem", dir.path() / "site.key")});
    auto page = run_tool({"curl", "-sS", "--fail", "--cacert", (dir.path() / "site.pem").string(),
                          "https://127.0.0.1:" + std::to_string(daemon.port()) + "/"});
    EXPECT_TRUE(page.status.success()) << page.describe() << daemon.log();
    EXPECT_FALSE(fs::exists(certificate_of(daemon)));
}

} // namespace
} // namespace streamd::it

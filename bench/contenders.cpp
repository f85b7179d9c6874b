#include "contenders.hpp"

#include "commands.hpp"
#include "cpu_time.hpp"
#include "streamctl.hpp"
#include "unused_port.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <csignal>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace streamd::bench {

namespace {

using Clock = std::chrono::steady_clock;
using it::Process;
using it::SpawnOptions;
constexpr auto kRunLimit = std::chrono::minutes(10);

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

it::RunResult run_checked(std::vector<std::string> argv) {
    SpawnOptions o;
    o.argv = std::move(argv);
    auto r = it::run(o, kRunLimit);
    if (!r.status.success()) throw std::runtime_error(r.describe());
    return r;
}

// A contender whose client is one command, timed from start to exit. The client's CPU is
// that of every process it starts and reaps; the server's is its own and its workers'.
class CommandContender : public Contender {
public:
    std::optional<fs::path> received() const override { return dest_; }

protected:
    enum class Client { Sends, Receives };
    Sample timed(std::vector<std::string> client, pid_t server, Client role) {
        double client0 = reaped_children_cpu_seconds();
        double server0 = process_tree_cpu_seconds(server);
        auto start = Clock::now();
        run_checked(std::move(client));
        double seconds = seconds_since(start);
        double client_cpu = reaped_children_cpu_seconds() - client0;
        double server_cpu = process_tree_cpu_seconds(server) - server0;
        if (role == Client::Sends) return {seconds, client_cpu, server_cpu};
        return {seconds, server_cpu, client_cpu};
    }
    fs::path dest_;
};

class SpliceCopy : public CommandContender {
public:
    explicit SpliceCopy(const Tools& t) : tool_(t.splice_copy), route_(t.route) {
        dest_ = t.work / "splice_copy.out";
    }
    std::string name() const override { return "splice_copy"; }
    Sample run(const fs::path& source) override {
        fs::remove(dest_);
        std::vector<std::string> argv{tool_.string(), source.string(), dest_.string()};
        if (!route_.sender_core.empty())
            argv.insert(argv.end(), {route_.sender_core, route_.receiver_core});
        auto r = run_checked(argv);
        // Its own clock starts at connect, as streamd's starts at the transfer; it
        // measures each end's CPU itself.
        Sample s;
        std::istringstream(r.out) >> s.seconds >> s.seconds >> s.sender_cpu >> s.receiver_cpu;
        return s;
    }

private:
    fs::path tool_;
    Route route_;
};

class Iperf3 : public Contender {
public:
    explicit Iperf3(const Tools& t) : route_(t.route) {}
    std::string name() const override { return "iperf3 (memory)"; }
    std::optional<fs::path> received() const override { return std::nullopt; }
    Sample run(const fs::path& source) override {
        uint16_t port = it::unused_port();
        SpawnOptions server;
        server.argv = at(route_.receiver_prefix, {"iperf3", "-s", "-1", "-B", route_.receiver_host,
                                                  "-p", std::to_string(port)});
        Process p(server);
        wait_listening(p, port);
        double cpu0 = reaped_children_cpu_seconds();
        auto r = run_checked(at(route_.sender_prefix,
                                {"iperf3", "-c", route_.receiver_host, "-p", std::to_string(port),
                                 "-n", std::to_string(fs::file_size(source)), "-J"}));
        double cpu1 = reaped_children_cpu_seconds();
        p.wait_for(std::chrono::seconds(30));
        static const std::regex seconds(R"("sum_received":\s*\{[^}]*?"seconds":\s*([0-9.]+))");
        std::smatch m;
        if (!std::regex_search(r.out, m, seconds))
            throw std::runtime_error("iperf3 gave no receiver summary");
        return {std::stod(m[1].str()), cpu1 - cpu0, reaped_children_cpu_seconds() - cpu1};
    }

private:
    Route route_;
};

// Only the numbers of a line of JSON are needed: the Node client's, streamctl's.
double json_number(const std::string& json, const std::string& key) {
    std::regex pattern("\"" + key + "\":(-?[0-9.eE+-]+)");
    std::smatch m;
    if (!std::regex_search(json, m, pattern)) throw std::runtime_error("no " + key + " in " + json);
    return std::stod(m[1].str());
}

class StreamdNative : public Contender {
public:
    StreamdNative(it::StreamdInstance& s, it::StreamdInstance& r, StreamdRun run)
        : sender_(s), receiver_(r), run_(std::move(run)) {
        std::string setting =
            std::to_string(run_.streams) + " stream" + (run_.streams == 1 ? "" : "s");
        if (!run_.chunk_size.empty()) setting += ", " + run_.chunk_size + " chunks";
        if (!run_.verified) setting += ", unverified";
        if (!run_.rate.empty()) setting += ", --rate " + run_.rate;
        if (!run_.where.empty()) setting += ", " + run_.where;
        name_ = (run_.what.empty() ? run_.build : run_.build + " " + run_.what) + ", " + setting;
        std::string file = run_.what.empty() ? setting : run_.what + ", " + setting;
        std::replace_if(
            file.begin(), file.end(), [](char c) { return !std::isalnum(c); }, '-');
        dest_ = receiver_.incoming() / ("bench-" + file);
    }
    std::string name() const override { return name_; }
    std::optional<fs::path> received() const override { return dest_; }
    Sample run(const fs::path& source) override {
        fs::remove_all(*received());
        double sender0 = process_cpu_seconds(sender_.pid()) + reaped_children_cpu_seconds();
        double receiver0 = process_cpu_seconds(receiver_.pid());
        const uint64_t command_start = epoch_us();
        std::vector<std::string> args{"send",
                                      source.string(),
                                      receiver_.endpoint(),
                                      "--streams",
                                      std::to_string(run_.streams),
                                      "--as",
                                      dest_.filename().string()};
        if (!run_.chunk_size.empty()) args.insert(args.end(), {"--chunk-size", run_.chunk_size});
        if (!run_.rate.empty()) args.insert(args.end(), {"--rate", run_.rate});
        auto r = it::run_streamctl(sender_.bus_address(), args);
        static const std::regex took(" in ([0-9.]+) s ");
        std::smatch m;
        if (!r.status.success() || !std::regex_search(r.out, m, took))
            throw std::runtime_error("streamctl send failed: " + r.describe());
        // streamctl's own CPU counts to the sending end.
        Sample s{std::stod(m[1].str()),
                 process_cpu_seconds(sender_.pid()) + reaped_children_cpu_seconds() - sender0,
                 process_cpu_seconds(receiver_.pid()) - receiver0};
        if (run_.from_command) {
            // The line's time runs from leaving the queue and is rounded to 10 ms; the
            // daemon's stamps are exact, and this process started streamctl on the same clock.
            const Stamps t = last_sent();
            s.seconds = static_cast<double>(t.finished - command_start) / 1e6;
            s.preparing = static_cast<double>(t.created - command_start) / 1e6;
        }
        return s;
    }

private:
    static uint64_t epoch_us() {
        return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::system_clock::now().time_since_epoch())
                                         .count());
    }
    // The sending daemon's own times of the last transfer of this row, in microseconds
    // since the epoch.
    struct Stamps {
        uint64_t created = 0;
        uint64_t finished = 0;
    };
    Stamps last_sent() const {
        auto list = it::run_streamctl(sender_.bus_address(), {"list", "--json"});
        // The names are letters, digits and dashes: nothing a pattern could misread.
        const std::regex mine(R"(\{"id":([0-9]+),"direction":"out","state":"done","name":")" +
                              dest_.filename().string() + '"');
        unsigned long id = 0;
        for (std::sregex_iterator i(list.out.begin(), list.out.end(), mine), end; i != end; ++i)
            id = std::max(id, std::stoul((*i)[1].str()));
        if (!list.status.success() || id == 0)
            throw std::runtime_error("streamctl list shows no transfer " +
                                     dest_.filename().string() + ": " + list.describe());
        auto status =
            it::run_streamctl(sender_.bus_address(), {"status", "--json", std::to_string(id)});
        if (!status.status.success())
            throw std::runtime_error("streamctl status failed: " + status.describe());
        return {static_cast<uint64_t>(json_number(status.out, "created_at")),
                static_cast<uint64_t>(json_number(status.out, "finished_at"))};
    }

    it::StreamdInstance& sender_;
    it::StreamdInstance& receiver_;
    StreamdRun run_;
    std::string name_;
    fs::path dest_;
};

class Socat : public CommandContender {
public:
    explicit Socat(const Tools& t) : route_(t.route) { dest_ = t.work / "socat.out"; }
    std::string name() const override { return "socat | file"; }
    Sample run(const fs::path& source) override {
        fs::remove(dest_);
        uint16_t port = it::unused_port();
        SpawnOptions server;
        server.argv = at(route_.receiver_prefix, {"socat", "-u",
                                                  "TCP-LISTEN:" + std::to_string(port) + ",bind=" +
                                                      route_.receiver_host + ",reuseaddr",
                                                  "CREATE:" + dest_.string()});
        Process p(server);
        wait_listening(p, port);
        double cpu0 = reaped_children_cpu_seconds();
        auto start = Clock::now();
        run_checked(
            at(route_.sender_prefix, {"socat", "-u", "FILE:" + source.string(),
                                      "TCP:" + route_.receiver_host + ":" + std::to_string(port)}));
        double cpu1 = reaped_children_cpu_seconds();
        auto status = p.wait_for(kRunLimit);
        Sample s{seconds_since(start), cpu1 - cpu0, reaped_children_cpu_seconds() - cpu1};
        if (!status || !status->success()) throw std::runtime_error("socat receiver failed");
        return s;
    }

private:
    Route route_;
};

// The disk's own limit: the file written into a folder and synced, one process, no network.
class DurableWrite : public CommandContender {
public:
    DurableWrite(const fs::path& folder, const Route& route) : route_(route) {
        dest_ = folder / "dd.out";
    }
    std::string name() const override { return "dd conv=fdatasync, ext4 on disk"; }
    Sample run(const fs::path& source) override {
        fs::remove(dest_);
        double cpu0 = reaped_children_cpu_seconds();
        auto start = Clock::now();
        run_checked(
            at(route_.receiver_prefix, {"dd", "if=" + source.string(), "of=" + dest_.string(),
                                        "bs=4M", "conv=fdatasync", "status=none"}));
        return {seconds_since(start), 0, reaped_children_cpu_seconds() - cpu0};
    }

private:
    Route route_;
};

// A self-signed P-256 certificate and its key in `dir`, for the encrypted servers.
std::pair<fs::path, fs::path> self_signed(const fs::path& dir) {
    fs::path cert = dir / "cert.pem", key = dir / "key.pem";
    run_checked({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                 "-nodes", "-subj", "/CN=localhost", "-days", "2", "-keyout", key.string(), "-out",
                 cert.string()});
    return {cert, key};
}

// One nginx serving a folder, kept for the whole run; over HTTPS with `tls`.
class Nginx {
public:
    Nginx(const fs::path& work, const fs::path& served, const Route& route, bool tls = false)
        : port_(it::unused_port()), host_(route.sender_host), tls_(tls) {
        fs::path dir = work / (tls ? "nginx-tls" : "nginx");
        fs::create_directories(dir);
        std::string listen = host_ + ":" + std::to_string(port_);
        if (tls) {
            auto [cert, key] = self_signed(dir);
            // What a browser and curl negotiate with it: TLS 1.3, AES-256-GCM first.
            listen += " ssl;\n    ssl_certificate " + cert.string() +
                      ";\n    ssl_certificate_key " + key.string() +
                      ";\n    ssl_protocols TLSv1.2 TLSv1.3";
        }
        std::ofstream(dir / "nginx.conf")
            // As root, nginx's workers would become nobody, who cannot read our
            // private scratch folder.
            << (::geteuid() == 0 ? "user root;\n" : "") << "daemon off;\nworker_processes 1;\npid "
            << (dir / "nginx.pid").string() << ";\nerror_log " << (dir / "error.log").string()
            << ";\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n"
            << "  sendfile on;\n  tcp_nopush on;\n  client_body_temp_path " << dir.string()
            << ";\n  server {\n    listen " << listen << ";\n    root " << served.string()
            << ";\n  }\n}\n";
        SpawnOptions o;
        o.argv = at(route.sender_prefix,
                    {"nginx", "-c", (dir / "nginx.conf").string(), "-p", dir.string()});
        process_.emplace(o);
        wait_listening(*process_, port_);
    }
    Nginx(const Nginx&) = delete;
    Nginx& operator=(const Nginx&) = delete;
    // Killed outright, the master would leave its worker behind.
    ~Nginx() { process_->stop(SIGTERM, std::chrono::seconds(10)); }
    std::string url(const fs::path& file) const {
        return (tls_ ? "https://" : "http://") + host_ + ":" + std::to_string(port_) + "/" +
               file.filename().string();
    }
    pid_t pid() const { return process_->pid(); }

private:
    uint16_t port_;
    std::string host_;
    bool tls_;
    std::optional<Process> process_;
};

class NginxClient : public CommandContender {
public:
    NginxClient(const Tools& t, const fs::path& served, bool aria2, bool tls = false)
        : nginx_(t.work, served, t.route, tls), receiver_prefix_(t.route.receiver_prefix),
          aria2_(aria2), tls_(tls) {
        dest_ = t.work / (aria2 ? "aria2.out" : "curl.out");
    }
    std::string name() const override {
        if (tls_) return "nginx HTTPS -> curl";
        return aria2_ ? "nginx -> aria2c -x8" : "nginx -> curl";
    }
    Sample run(const fs::path& source) override {
        fs::remove(dest_);
        if (aria2_)
            return timed(at(receiver_prefix_,
                            {"aria2c", "-q", "-x8", "-s8", "-k1M", "--file-allocation=none",
                             "--allow-overwrite=true", "-d", dest_.parent_path().string(), "-o",
                             dest_.filename().string(), nginx_.url(source)}),
                         nginx_.pid(), Client::Receives);
        return timed(
            at(receiver_prefix_, {"curl", "-sSf", "-k", "-o", dest_.string(), nginx_.url(source)}),
            nginx_.pid(), Client::Receives);
    }

private:
    Nginx nginx_;
    std::vector<std::string> receiver_prefix_;
    bool aria2_;
    bool tls_;
};

// An sshd of the bench's own on a free port of the receiving end, with its own host key
// and a client key it lets in as the current user; scp and rsync go through it with
// OpenSSH's default cipher and settings, as people run them.
class Sshd {
public:
    Sshd(fs::path dir, const Route& route)
        : dir_(std::move(dir)), port_(it::unused_port()), host_(route.receiver_host) {
        fs::create_directories(dir_);
        fs::create_directories("/run/sshd"); // its privilege separation folder
        for (const char* key : {"host_key", "client_key"})
            run_checked(
                {"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", (dir_ / key).string()});
        fs::copy_file(dir_ / "client_key.pub", dir_ / "authorized_keys",
                      fs::copy_options::overwrite_existing);
        std::ofstream(dir_ / "sshd_config")
            << "ListenAddress " << host_ << ":" << port_ << "\nHostKey "
            << (dir_ / "host_key").string() << "\nPidFile " << (dir_ / "sshd.pid").string()
            << "\nAuthorizedKeysFile " << (dir_ / "authorized_keys").string()
            << "\nStrictModes no\nUsePAM no\nPermitRootLogin prohibit-password\n"
            << "Subsystem sftp internal-sftp\n"; // scp speaks SFTP
        SpawnOptions o;
        o.argv = at(route.receiver_prefix,
                    {"/usr/sbin/sshd", "-D", "-e", "-f", (dir_ / "sshd_config").string()});
        process_.emplace(o);
        wait_listening(*process_, port_);
    }
    Sshd(const Sshd&) = delete;
    Sshd& operator=(const Sshd&) = delete;
    ~Sshd() { process_->stop(SIGTERM, std::chrono::seconds(10)); }

    // ssh's options for this server, as scp takes them (rsync -e takes them after "ssh").
    std::vector<std::string> options() const {
        return {"-i", (dir_ / "client_key").string(),
                "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null",
                "-o", "BatchMode=yes",
                "-o", "LogLevel=ERROR"};
    }
    std::string port() const { return std::to_string(port_); }
    std::string target(const fs::path& dest) const { return host_ + ":" + dest.string(); }
    pid_t pid() const { return process_->pid(); }

private:
    fs::path dir_;
    uint16_t port_;
    std::string host_;
    std::optional<Process> process_;
};

class OverSsh : public CommandContender {
public:
    OverSsh(const Tools& t, bool rsync, Shape shape = Shape::File)
        : sshd_(t.work / (rsync                    ? "sshd-rsync"
                          : shape == Shape::Folder ? "sshd-scp-r"
                                                   : "sshd-scp"),
                t.route),
          route_(t.route), rsync_(rsync), folder_(shape == Shape::Folder) {
        dest_ = t.work / (rsync ? "rsync-ssh.out" : folder_ ? "scp-r" : "scp.out");
    }
    std::string name() const override {
        if (rsync_) return "rsync over ssh";
        return folder_ ? "scp -r" : "scp";
    }
    Sample run(const fs::path& source) override {
        fs::remove_all(dest_);
        std::vector<std::string> argv;
        if (rsync_) {
            std::string ssh = "ssh -p " + sshd_.port();
            for (const auto& o : sshd_.options())
                ssh += " " + o;
            argv = {"rsync", "--whole-file", "-e", ssh, source.string(), sshd_.target(dest_)};
        } else {
            argv = {"scp", "-q", "-P", sshd_.port()};
            if (folder_) argv.push_back("-r");
            for (const auto& o : sshd_.options())
                argv.push_back(o);
            argv.insert(argv.end(), {source.string(), sshd_.target(dest_)});
        }
        return timed(at(route_.sender_prefix, argv), sshd_.pid(), Client::Sends);
    }

private:
    Sshd sshd_;
    Route route_;
    bool rsync_;
    bool folder_;
};

class RsyncDaemon : public CommandContender {
public:
    RsyncDaemon(const Tools& t, Shape shape)
        : route_(t.route), port_(it::unused_port()), folder_(shape == Shape::Folder) {
        // A folder of its own, so that it shares no pid file or configuration with the
        // file rows' daemon.
        fs::path dir = t.work / (folder_ ? "rsync-r" : "rsync");
        fs::create_directories(dir / "module");
        dest_ = dir / "module" / (folder_ ? "rsync-r" : "rsync.out");
        std::ofstream(dir / "rsyncd.conf")
            << "use chroot = no\npid file = " << (dir / "rsyncd.pid").string()
            << "\n[bench]\n  path = " << (dir / "module").string()
            << "\n  read only = no\n  uid = root\n  gid = root\n";
        SpawnOptions o;
        o.argv =
            at(route_.receiver_prefix,
               {"rsync", "--daemon", "--no-detach", "--address=" + route_.receiver_host,
                "--port=" + std::to_string(port_), "--config=" + (dir / "rsyncd.conf").string()});
        process_.emplace(o);
        wait_listening(*process_, port_);
    }
    std::string name() const override { return folder_ ? "rsync daemon -r" : "rsync daemon"; }
    Sample run(const fs::path& source) override {
        fs::remove_all(dest_);
        const std::string url = "rsync://" + route_.receiver_host + ":" + std::to_string(port_) +
                                "/bench/" + dest_.filename().string();
        if (folder_)
            // The slashes: the folder's contents into the destination, not the folder in it.
            return timed(at(route_.sender_prefix,
                            {"rsync", "-r", "--whole-file", source.string() + "/", url + "/"}),
                         process_->pid(), Client::Sends);
        return timed(at(route_.sender_prefix, {"rsync", "--whole-file", source.string(), url}),
                     process_->pid(), Client::Sends);
    }

private:
    Route route_;
    uint16_t port_;
    bool folder_;
    std::optional<Process> process_;
};

// tar and socat at each end, joined by a pipe in a shell; pipefail, so that a failing tar
// fails the contender and not only a wrong copy.
class TarSocat : public CommandContender {
public:
    explicit TarSocat(const Tools& t) : route_(t.route) { dest_ = t.work / "tar-socat"; }
    std::string name() const override { return "tar | socat"; }
    Sample run(const fs::path& source) override {
        fs::remove_all(dest_);
        fs::create_directories(dest_);
        uint16_t port = it::unused_port();
        SpawnOptions server;
        server.argv = at(
            route_.receiver_prefix,
            {"bash", "-c", "set -o pipefail; socat -u \"$1\" - | tar -C \"$2\" -xf -", "tar-socat",
             "TCP-LISTEN:" + std::to_string(port) + ",bind=" + route_.receiver_host + ",reuseaddr",
             dest_.string()});
        Process p(server);
        wait_listening(p, port);
        double cpu0 = reaped_children_cpu_seconds();
        auto start = Clock::now();
        run_checked(at(route_.sender_prefix,
                       {"bash", "-c", "set -o pipefail; tar -C \"$1\" -cf - . | socat -u - \"$2\"",
                        "tar-socat", source.string(),
                        "TCP:" + route_.receiver_host + ":" + std::to_string(port)}));
        double cpu1 = reaped_children_cpu_seconds();
        auto status = p.wait_for(kRunLimit);
        Sample s{seconds_since(start), cpu1 - cpu0, reaped_children_cpu_seconds() - cpu1};
        if (!status || !status->success())
            throw std::runtime_error("tar | socat receiver failed: " + p.stderr_text());
        return s;
    }

private:
    Route route_;
};

class StreamdWebSocket : public Contender {
public:
    StreamdWebSocket(const Tools& t, it::StreamdInstance& daemon, WebSocketRun run)
        : script_(t.ws_client), client_prefix_(t.route.sender_prefix), daemon_(daemon), run_(run) {
        url_ = "ws://" + daemon_.endpoint() + "/ws";
        if (run_.upload) {
            name_ =
                run_.digest ? "streamd WebSocket upload" : "streamd WebSocket upload, no digest";
            dest_ = daemon_.incoming() / (run_.digest ? "bench-ws-upload" : "bench-ws-upload-nd");
        } else {
            name_ = "streamd WebSocket download";
            served_ = daemon_.incoming() / "bench-ws-download";
            dest_ = t.work / "ws-download.out";
        }
    }
    std::string name() const override { return name_; }
    std::optional<fs::path> received() const override { return dest_; }
    Sample run(const fs::path& source) override {
        fs::remove(dest_);
        std::vector<std::string> argv{"node", script_.string()};
        if (run_.upload) {
            argv.insert(argv.end(), {"upload", url_, source.string(), dest_.filename().string()});
            if (!run_.digest) argv.insert(argv.end(), {"--digest", "none"});
        } else {
            // The daemon serves what its incoming folder holds; a link puts the source there
            // without a copy, once for all rounds.
            if (!fs::exists(served_)) {
                std::error_code ec;
                fs::create_hard_link(source, served_, ec);
                if (ec) fs::copy_file(source, served_);
            }
            argv.insert(argv.end(),
                        {"download", url_, served_.filename().string(), dest_.string()});
        }
        double daemon0 = process_cpu_seconds(daemon_.pid());
        auto r = run_checked(at(client_prefix_, argv));
        double daemon_cpu = process_cpu_seconds(daemon_.pid()) - daemon0;
        // Node's start-up is outside both its clock and its CPU, as streamctl's is outside
        // the native transfer's clock: it would weigh on a small file and not on a large one.
        double seconds = json_number(r.out, "seconds");
        double client_cpu = json_number(r.out, "cpu_seconds");
        if (run_.upload) return {seconds, client_cpu, daemon_cpu};
        return {seconds, daemon_cpu, client_cpu};
    }

private:
    fs::path script_;
    std::vector<std::string> client_prefix_;
    it::StreamdInstance& daemon_;
    WebSocketRun run_;
    std::string name_;
    std::string url_;
    fs::path served_;
    fs::path dest_;
};

} // namespace

std::unique_ptr<Contender> splice_copy(const Tools& t) {
    return std::make_unique<SpliceCopy>(t);
}
std::unique_ptr<Contender> iperf3(const Tools& t) {
    return std::make_unique<Iperf3>(t);
}
std::unique_ptr<Contender> streamd_native(it::StreamdInstance& sender,
                                          it::StreamdInstance& receiver, StreamdRun run) {
    return std::make_unique<StreamdNative>(sender, receiver, std::move(run));
}
std::unique_ptr<Contender> socat_pipe(const Tools& t) {
    return std::make_unique<Socat>(t);
}
std::unique_ptr<Contender> nginx_curl(const Tools& t, const fs::path& served) {
    return std::make_unique<NginxClient>(t, served, false);
}
std::unique_ptr<Contender> nginx_aria2(const Tools& t, const fs::path& served) {
    return std::make_unique<NginxClient>(t, served, true);
}
std::unique_ptr<Contender> nginx_https_curl(const Tools& t, const fs::path& served) {
    return std::make_unique<NginxClient>(t, served, false, true);
}
std::unique_ptr<Contender> scp(const Tools& t, Shape shape) {
    return std::make_unique<OverSsh>(t, false, shape);
}
std::unique_ptr<Contender> rsync_ssh(const Tools& t) {
    return std::make_unique<OverSsh>(t, true);
}
std::unique_ptr<Contender> durable_write(const fs::path& folder, const Route& route) {
    return std::make_unique<DurableWrite>(folder, route);
}
std::unique_ptr<Contender> rsync_daemon(const Tools& t, Shape shape) {
    return std::make_unique<RsyncDaemon>(t, shape);
}
std::unique_ptr<Contender> tar_socat(const Tools& t) {
    return std::make_unique<TarSocat>(t);
}
std::unique_ptr<Contender> streamd_websocket(const Tools& t, it::StreamdInstance& daemon,
                                             WebSocketRun run) {
    return std::make_unique<StreamdWebSocket>(t, daemon, run);
}

std::string websocket_unavailable(const Tools& t, std::string& client) {
    if (t.ws_client.empty()) return "WS_CLIENT is not set";
    SpawnOptions o;
    o.argv = {"node", t.ws_client.string(), "check"};
    try {
        auto r = it::run(o, std::chrono::seconds(30));
        if (!r.status.success()) {
            auto why = r.err.empty() ? r.describe() : r.err;
            while (!why.empty() && why.back() == '\n')
                why.pop_back();
            return why;
        }
        client = r.out;
        while (!client.empty() && client.back() == '\n')
            client.pop_back();
    } catch (const std::exception& e) {
        return std::string("cannot run node: ") + e.what();
    }
    return "";
}

} // namespace streamd::bench

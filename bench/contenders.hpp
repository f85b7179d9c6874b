// The ways of moving one file, or one folder, over loopback that streamd is measured
// against, and streamd itself. Each runs real programs; each received copy is checked by
// the caller.
#pragma once

#include "process.hpp"
#include "streamd_instance.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace streamd::bench {

namespace fs = std::filesystem;

struct Sample {
    double seconds = 0; // moving the data, as the contender's own end reports it
    double sender_cpu = 0;
    double receiver_cpu = 0;
    // Of `seconds`, what passed before the daemon had the transfer: streamctl's walk of a
    // folder and the hand-over of its files. Only where the contender knows it.
    double preparing = 0;
};

// What a contender moves: one file, or a folder with everything beneath it.
enum class Shape { File, Folder };

class Contender {
public:
    virtual ~Contender() = default;
    virtual std::string name() const = 0;
    // Moves `source`, a file or a folder as the contender was made for; afterwards the
    // copy is at received(), unless it is memory to memory.
    virtual Sample run(const fs::path& source) = 0;
    virtual std::optional<fs::path> received() const = 0;
};

// Where each end runs and how it is reached: both on loopback, or one at each end of a
// WanLink. A prefix goes before every command of that end ({"ip", "netns", "exec", NS}).
struct Route {
    std::vector<std::string> sender_prefix{};
    std::vector<std::string> receiver_prefix{};
    std::string sender_host = "127.0.0.1";
    std::string receiver_host = "127.0.0.1";
    // On loopback: the core each end runs on, as if on its own machine; empty if the
    // machine has only one.
    std::string sender_core{};
    std::string receiver_core{};
};

struct Tools {
    fs::path splice_copy;
    fs::path work; // scratch folder on the file system under test
    Route route{};
    fs::path ws_client{}; // bench/ws_client.mjs; empty for no WebSocket contenders
};

// The zero-copy limit: sendfile → socket → splice into a file, two processes.
std::unique_ptr<Contender> splice_copy(const Tools& t);
// The TCP limit: iperf3 memory to memory.
std::unique_ptr<Contender> iperf3(const Tools& t);
struct StreamdRun {
    unsigned streams = 8;
    std::string chunk_size{}; // as streamctl takes it; empty for the daemon's default
    bool verified = true;     // says which daemon sends: one has `verify = false`
    // Heads the row's name: which build the two daemons run, when two are compared.
    std::string build = "streamd";
    // Follows the build in the row's name: what is sent, e.g. "folder"; empty for a file.
    std::string what{};
    // Ends it: what is special about the daemons, if anything.
    std::string where{};
    // streamctl send --rate, as it takes it; empty for none.
    std::string rate{};
    // Timed from streamctl's start to the sending daemon's end, not by the daemon's
    // clock alone: a folder's walk and the hand-over of its files are part of sending it,
    // as the peers' walks are part of their times.
    bool from_command = false;
};
std::unique_ptr<Contender> streamd_native(it::StreamdInstance& sender,
                                          it::StreamdInstance& receiver, StreamdRun run);
std::unique_ptr<Contender> socat_pipe(const Tools& t);
// nginx (sendfile on) serving the source's folder, fetched by curl or by aria2c -x8 -s8.
std::unique_ptr<Contender> nginx_curl(const Tools& t, const fs::path& served);
std::unique_ptr<Contender> nginx_aria2(const Tools& t, const fs::path& served);
// rsync --whole-file to an rsync:// module; a folder with -r.
std::unique_ptr<Contender> rsync_daemon(const Tools& t, Shape shape = Shape::File);
// A folder as one tar stream through socat: tar -c | socat into socat | tar -x.
std::unique_ptr<Contender> tar_socat(const Tools& t);
// The encrypted peers: nginx over HTTPS (TLS 1.3, self-signed) fetched by curl; scp and
// rsync through an sshd of the bench's own, with OpenSSH's default cipher; scp -r for a
// folder.
std::unique_ptr<Contender> nginx_https_curl(const Tools& t, const fs::path& served);
std::unique_ptr<Contender> scp(const Tools& t, Shape shape = Shape::File);
std::unique_ptr<Contender> rsync_ssh(const Tools& t);
// What durability costs at least: dd writing the file into `folder` and syncing it, on the
// receiving end's core.
std::unique_ptr<Contender> durable_write(const fs::path& folder, const Route& route);

// A browser's transfer, played by a Node process (bench/ws_client.mjs) with the page's own
// client module over `ws`, on the sending end's core, against `daemon`'s /ws: it uploads
// the file to the daemon, or downloads it from there.
struct WebSocketRun {
    bool upload = true;
    bool digest = true; // each chunk's XXH32, computed in JavaScript; uploads only
};
std::unique_ptr<Contender> streamd_websocket(const Tools& t, it::StreamdInstance& daemon,
                                             WebSocketRun run);
// Why the WebSocket contenders cannot run here (no node, no `ws`), or "" if they can; then
// `client` says which node and which `ws` they run with.
std::string websocket_unavailable(const Tools& t, std::string& client);

} // namespace streamd::bench

// streamd against its peers and the machine's limits, side by side and alternating in
// one run.
//
//   side_by_side [--size MIB] [--rounds N] [--streams N,...] [--chunk-sizes SIZE,...]
//                [--unverified N,...] [--only streamd] [--no-websocket] [--json PATH]
//                [--wan RTT[/LOSS],...] [--wan-size MIB] [--wan-rounds N]
//                [--reference STREAMD] [--disk DIR] [--no-encrypted]
//                [--no-trees | --trees-only] [--tree-scale F] [--tree-rounds N]
//
// --streams: stream counts to run at the daemon's default chunk size; --chunk-sizes:
// other chunk sizes, at 8 streams; --unverified: stream counts to run once more from a
// daemon with `verify = false`, which shows what verification costs.
// --no-websocket: leaves out the browsers' transfers, which need node and the `ws` package
// (WS_CLIENT names bench/ws_client.mjs); without them they are skipped with a notice.
// --wan: links to emulate after the loopback runs, e.g. "20,80/0.001" (RTT in ms, loss
// per packet), each over a 1 Gbit/s WanLink; "" for none.
// --reference: another build of the daemon, e.g. from before a change. Every native streamd
// row on loopback gets a twin, "streamd (reference), ...", that makes the same transfer
// between two daemons of that build, driven by the same streamctl; the twin runs right
// after its row in every round, and the table ends with each row's speed over its twin's;
// on each emulated link the unlimited rows (1 and 8 streams) get twins too.
// --disk: a folder on the machine's disk (default /var/tmp; "" for none) for two more
// receivers, each on an ext4 image there, one with `[storage] sync = "data"` and one with
// "none": what durability costs, as the ratio of their times; and dd writing the file
// into the first one's image and syncing it, the disk's own limit.
// --no-encrypted: leaves out the encrypted rows: two more daemons that share a key (TLS,
// 1 and 8 streams), scp and rsync through an sshd of the bench's own, nginx over HTTPS.
// --no-trees, --trees-only: leave out the folder rows, or run nothing else. They send a
// tree of 10,000 files of 64 KiB and 100 of 10 MiB in 220 folders with streamd, and the
// same bytes as one file, next to rsync -r, tar through socat and scp -r, after the file
// rows; --tree-scale multiplies the numbers of files (0.001: 10 small, 1 large), and
// --tree-rounds says how often each moves the tree.
//
// Starts two real daemons on loopback, each with its own bus, and the peers' real
// programs, then moves the same file with each of them in turn, round after round.
// Then the same between two network namespaces joined by a delay line, one link after
// the other. Run it with TMPDIR on a tmpfs so that disk writeback stays out of the
// numbers. Every received file and folder is compared with the source; a wrong one ends
// the run.
#include "commands.hpp"
#include "contenders.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"
#include "tool_paths.hpp"
#include "wan_link.hpp"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sched.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tuple>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace streamd;
using namespace streamd::bench;

namespace {

struct Options {
    uint64_t size_mib = 1024;
    unsigned rounds = 5;
    std::vector<unsigned> streams{1, 2, 4, 8, 16};
    std::vector<std::string> chunk_sizes{"256K", "1M", "16M"};
    std::vector<unsigned> unverified{1, 8};
    bool only_streamd = false;
    // The encrypted rows: streamd over TLS, scp, rsync over ssh, nginx over HTTPS.
    bool encrypted = true;
    bool websocket = true;
    std::string json;
    std::vector<WanLink::Options> wan{{.rtt_ms = 20},
                                      {.rtt_ms = 20, .loss = 0.001},
                                      {.rtt_ms = 80},
                                      {.rtt_ms = 80, .loss = 0.001}};
    uint64_t wan_size_mib = 128;
    unsigned wan_rounds = 3;
    fs::path reference;
    fs::path disk = "/var/tmp";
    bool trees = true;
    bool trees_only = false;
    double tree_scale = 1;
    unsigned tree_rounds = 3;
};

// "a,b,c" → {a, b, c}; "" → {}.
std::vector<std::string> list(const std::string& text) {
    std::vector<std::string> items;
    for (size_t pos = 0; pos < text.size();) {
        size_t comma = std::min(text.find(',', pos), text.size());
        items.push_back(text.substr(pos, comma - pos));
        pos = comma + 1;
    }
    return items;
}

std::vector<unsigned> numbers(const std::string& text) {
    std::vector<unsigned> n;
    for (const auto& item : list(text))
        n.push_back(static_cast<unsigned>(std::stoul(item)));
    return n;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (++i == argc) throw std::invalid_argument(a + " needs a value");
            return argv[i];
        };
        if (a == "--size") {
            o.size_mib = std::stoull(value());
        } else if (a == "--rounds") {
            o.rounds = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--no-encrypted") {
            o.encrypted = false;
        } else if (a == "--streams") {
            o.streams = numbers(value());
        } else if (a == "--chunk-sizes") {
            o.chunk_sizes = list(value());
        } else if (a == "--unverified") {
            o.unverified = numbers(value());
        } else if (a == "--only" && value() == "streamd") {
            o.only_streamd = true;
        } else if (a == "--no-websocket") {
            o.websocket = false;
        } else if (a == "--json") {
            o.json = value();
        } else if (a == "--wan") {
            o.wan.clear();
            for (const auto& link : list(value())) {
                size_t slash = link.find('/');
                WanLink::Options w;
                w.rtt_ms = std::stod(link.substr(0, slash));
                if (slash != std::string::npos) w.loss = std::stod(link.substr(slash + 1));
                o.wan.push_back(w);
            }
        } else if (a == "--wan-size") {
            o.wan_size_mib = std::stoull(value());
        } else if (a == "--wan-rounds") {
            o.wan_rounds = static_cast<unsigned>(std::stoul(value()));
        } else if (a == "--reference") {
            o.reference = value();
        } else if (a == "--disk") {
            o.disk = value();
        } else if (a == "--no-trees") {
            o.trees = false;
        } else if (a == "--trees-only") {
            o.trees_only = true;
        } else if (a == "--tree-scale") {
            o.tree_scale = std::stod(value());
        } else if (a == "--tree-rounds") {
            o.tree_rounds = static_cast<unsigned>(std::stoul(value()));
        } else {
            throw std::invalid_argument("unknown option " + a);
        }
    }
    if (o.rounds == 0 || o.size_mib == 0 || o.wan_rounds == 0 || o.wan_size_mib == 0 ||
        o.tree_rounds == 0 || !(o.tree_scale > 0))
        throw std::invalid_argument("sizes and rounds must be positive");
    if (o.trees_only && !o.trees)
        throw std::invalid_argument("--trees-only and --no-trees leave nothing to run");
    // Rather now than after the source file is written and the first daemons are up.
    if (!o.reference.empty() && ::access(o.reference.c_str(), X_OK) != 0)
        throw std::invalid_argument("--reference: " + o.reference.string() +
                                    " is not an executable file");
    return o;
}

void write_random(const fs::path& path, uint64_t bytes) {
    std::ofstream out(path, std::ios::binary);
    std::mt19937_64 rng(42);
    std::vector<uint64_t> block(1 << 17);
    for (uint64_t done = 0; done < bytes;) {
        for (auto& w : block)
            w = rng();
        auto n = std::min<uint64_t>(bytes - done, block.size() * sizeof(uint64_t));
        out.write(reinterpret_cast<const char*>(block.data()), static_cast<std::streamsize>(n));
        done += n;
    }
}

bool same_content(const fs::path& a, const fs::path& b) {
    auto size = fs::file_size(a);
    if (fs::file_size(b) != size) return false;
    if (size == 0) return true;
    auto map = [&](const fs::path& p) {
        int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
        void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        ::close(fd);
        if (m == MAP_FAILED) throw std::runtime_error("cannot map " + p.string());
        return m;
    };
    void* x = map(a);
    void* y = map(b);
    bool same = std::memcmp(x, y, size) == 0;
    ::munmap(x, size);
    ::munmap(y, size);
    return same;
}

// The first difference between two folders, as a relative path and what is wrong with it;
// empty if they hold the same paths with the same contents. Each folder is listed once and
// only regular files are read, so ten thousand files take a moment, not a process each.
std::string tree_difference(const fs::path& source, const fs::path& copy) {
    auto listing = [](const fs::path& top) {
        std::map<std::string, fs::file_type> entries;
        for (auto it = fs::recursive_directory_iterator(top);
             it != fs::recursive_directory_iterator(); ++it)
            entries[it->path().lexically_relative(top).string()] = it->symlink_status().type();
        return entries;
    };
    if (!fs::is_directory(copy)) return "the copy is no folder";
    const auto want = listing(source), got = listing(copy);
    for (const auto& [path, type] : want) {
        auto found = got.find(path);
        if (found == got.end()) return path + " is missing";
        if (found->second != type) return path + " is of another kind";
        if (type == fs::file_type::regular && !same_content(source / path, copy / path))
            return path + " has other contents";
    }
    for (const auto& [path, type] : got)
        if (!want.contains(path)) return path + " is not in the source";
    return "";
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Peak resident memory of a process, in MiB.
double peak_rss_mib(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    std::string key;
    while (in >> key) {
        if (key == "VmHWM:") {
            double kib = 0;
            in >> kib;
            return kib / 1024;
        }
    }
    return 0;
}

struct Row {
    std::string name;
    std::vector<Sample> samples;

    double median_of(double Sample::*field) const {
        std::vector<double> v;
        for (const auto& s : samples)
            v.push_back(s.*field);
        return median(std::move(v));
    }
};

// Every contender once per round, in turn, so that a slow spell of the machine hits them
// all alike; each moves its own source.
std::vector<Row> run_rounds(const std::vector<std::unique_ptr<Contender>>& contenders,
                            const std::vector<fs::path>& sources, unsigned rounds) {
    std::vector<Row> rows;
    for (const auto& c : contenders)
        rows.push_back({c->name(), {}});
    for (unsigned round = 1; round <= rounds; ++round) {
        std::printf("round %u:", round);
        for (size_t i = 0; i < contenders.size(); ++i) {
            const fs::path& source = sources[i];
            Sample s = contenders[i]->run(source);
            if (auto copy = contenders[i]->received()) {
                if (fs::is_directory(source)) {
                    if (auto wrong = tree_difference(source, *copy); !wrong.empty())
                        throw std::runtime_error(contenders[i]->name() +
                                                 " delivered a different folder: " + wrong);
                } else if (!same_content(source, *copy)) {
                    throw std::runtime_error(contenders[i]->name() + " delivered a different file");
                }
                fs::remove_all(*copy);
            }
            rows[i].samples.push_back(s);
            std::printf(" %s %.3f s;", contenders[i]->name().c_str(), s.seconds);
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    return rows;
}

std::vector<Row> run_rounds(const std::vector<std::unique_ptr<Contender>>& contenders,
                            const fs::path& source, unsigned rounds) {
    return run_rounds(contenders, std::vector<fs::path>(contenders.size(), source), rounds);
}

// Wide enough for the longest name, so that the columns stay straight.
int name_width(const std::vector<Row>& rows) {
    size_t width = 36;
    for (const auto& r : rows)
        width = std::max(width, r.name.size());
    return static_cast<int>(width);
}

constexpr double kGbitPerGib = 8 * 1.073741824;

// What the last column of a table is: each row's speed over that of one of the rows, or
// over a link's rate.
struct Against {
    std::string what = "ceiling"; // heads the column; "vs_" and this, spaces as _, in JSON
    size_t row = 0;
    double link_gbit = 0; // the link's rate instead of a row's, if set
};

// Prints the table and returns the results as a JSON array.
std::string report(const std::vector<Row>& rows, uint64_t bytes, const Against& against = {}) {
    double gib = static_cast<double>(bytes) / (1 << 30);
    double reference = rows[against.row].median_of(&Sample::seconds);
    if (against.link_gbit > 0) reference = gib * kGbitPerGib / against.link_gbit;
    std::string ratio = against.what;
    std::replace(ratio.begin(), ratio.end(), ' ', '_');
    int width = name_width(rows);
    std::printf("\n%-*s %9s %15s %7s %7s %17s %8s\n", width, "contender", "median s", "spread s",
                "GiB/s", "Gbit/s", "CPU s/GiB snd+rcv", against.what.c_str());
    std::ostringstream json;
    json << '[';
    for (size_t i = 0; i < rows.size(); ++i) {
        double m = rows[i].median_of(&Sample::seconds);
        auto [lo, hi] = std::minmax_element(
            rows[i].samples.begin(), rows[i].samples.end(),
            [](const Sample& a, const Sample& b) { return a.seconds < b.seconds; });
        double send = rows[i].median_of(&Sample::sender_cpu) / gib;
        double recv = rows[i].median_of(&Sample::receiver_cpu) / gib;
        double gbit = gib / m * kGbitPerGib;
        std::printf("%-*s %9.3f %7.3f-%-7.3f %7.2f %7.2f %6.2f+%.2f=%.2f %7.2fx\n", width,
                    rows[i].name.c_str(), m, lo->seconds, hi->seconds, gib / m, gbit, send, recv,
                    send + recv, reference / m);
        json << (i ? "," : "") << "{\"name\":\"" << rows[i].name << "\",\"median_s\":" << m
             << ",\"min_s\":" << lo->seconds << ",\"max_s\":" << hi->seconds
             << ",\"gib_per_s\":" << gib / m << ",\"gbit_per_s\":" << gbit
             << ",\"sender_cpu_s_per_gib\":" << send << ",\"receiver_cpu_s_per_gib\":" << recv
             << ",\"vs_" << ratio << "\":" << reference / m << "}";
    }
    json << ']';
    return json.str();
}

// What one core encrypts with AES-256-GCM in 16 KiB records (`openssl speed`), in bytes
// per second: the limit of an end that has that core alone. 0 if openssl cannot say.
double aes_gcm_limit(const std::string& core) {
    std::vector<std::string> argv{"openssl", "speed", "-evp",     "aes-256-gcm",
                                  "-bytes",  "16384", "-seconds", "2"};
    if (!core.empty()) argv = at({"taskset", "-c", core}, argv);
    it::RunResult r = it::run({.argv = argv}, std::chrono::seconds(30));
    // The last line: "AES-256-GCM    2812345.67k", in thousands of bytes per second.
    const auto lines = it::lines_of(r.out);
    if (!r.status.success() || lines.empty()) return 0;
    const std::string& last = lines.back();
    const auto at_number = last.find_last_of(' ');
    return at_number == std::string::npos ? 0 : std::atof(last.c_str() + at_number + 1) * 1000;
}

// The encrypted rows against each other and against the plain one and the cipher's limit:
// speed ratios, and CPU per GiB on both ends; printed, and returned as JSON.
std::string encryption_summary(const std::vector<Row>& rows, uint64_t size_mib,
                               const std::string& core) {
    auto find = [&](const std::string& name) -> const Row* {
        for (const auto& r : rows)
            if (r.name == name) return &r;
        return nullptr;
    };
    const double gib = static_cast<double>(size_mib) / 1024;
    auto seconds = [](const Row* r) { return r->median_of(&Sample::seconds); };
    auto cpu = [&](const Row* r) {
        return (r->median_of(&Sample::sender_cpu) + r->median_of(&Sample::receiver_cpu)) / gib;
    };
    const Row* tls8 = find("streamd TLS, 8 streams");
    const Row* tls1 = find("streamd TLS, 1 stream");
    std::ostringstream json;
    json << '{';
    std::printf("\nencrypted:\n");
    auto ratio = [&](const char* label, const Row* fast, const Row* slow, const char* key) {
        if (!fast || !slow) return;
        const double r = seconds(slow) / seconds(fast);
        std::printf("  %-48s %6.2fx\n", label, r);
        json << (json.tellp() > 1 ? "," : "") << '"' << key << "\":" << r;
    };
    ratio("streamd TLS 8 streams vs scp", tls8, find("scp"), "tls8_vs_scp");
    ratio("streamd TLS 8 streams vs rsync over ssh", tls8, find("rsync over ssh"),
          "tls8_vs_rsync_ssh");
    ratio("streamd TLS 8 streams vs nginx HTTPS -> curl", tls8, find("nginx HTTPS -> curl"),
          "tls8_vs_nginx_https");
    ratio("streamd TLS 1 stream vs streamd 1 stream (plain)", tls1, find("streamd, 1 stream"),
          "tls1_vs_plain1");
    if (const double limit = aes_gcm_limit(core); limit > 0) {
        const double limit_s = gib * 1073741824.0 / limit;
        std::printf("  AES-256-GCM on one core (openssl speed): %.2f GiB/s, %.3f s for the file\n",
                    limit / 1073741824.0, limit_s);
        json << ",\"aes_gcm_bytes_per_s\":" << limit;
        for (const auto& [label, row, key] :
             {std::tuple{"streamd TLS 1 stream", tls1, "tls1_of_aes_limit"},
              std::tuple{"streamd TLS 8 streams", tls8, "tls8_of_aes_limit"}}) {
            if (!row) continue;
            std::printf("  %-48s %6.2fx\n", (std::string(label) + " of that limit").c_str(),
                        limit_s / seconds(row));
            json << ",\"" << key << "\":" << limit_s / seconds(row);
        }
    }
    for (const char* name : {"streamd TLS, 8 streams", "streamd TLS, 1 stream", "scp"}) {
        if (const Row* r = find(name)) {
            std::printf("  CPU s/GiB, both ends: %-26s %6.2f\n", name, cpu(r));
            json << (json.tellp() > 1 ? "," : "") << "\"cpu_s_per_gib " << name << "\":" << cpu(r);
        }
    }
    json << '}';
    return json.str();
}

// The daemons of one build, each on its end's core: a sender, a sender with `verify = false`
// and a receiver.
struct Daemons {
    Daemons(const fs::path& binary, const Route& route)
        : sender(binary, {.command_prefix = route.sender_prefix}),
          unverified(binary, {.verify = false, .command_prefix = route.sender_prefix}),
          receiver(binary, {.command_prefix = route.receiver_prefix}) {}
    it::StreamdInstance sender, unverified, receiver;
};

// Daemons that share a key, so that every connection between them is TLS 1.3.
struct EncryptedDaemons {
    EncryptedDaemons(const fs::path& binary, const Route& route, const fs::path& key)
        : receiver(binary, {.secret_file = key, .command_prefix = route.receiver_prefix}),
          sender(binary, {.secret_file = key, .command_prefix = route.sender_prefix}) {}
    it::StreamdInstance receiver, sender; // the receiver makes the key file
};

// Receivers whose incoming folders are ext4 images in a folder on the machine's disk, with
// and without syncing what they receive.
struct DiskReceivers {
    DiskReceivers(const fs::path& folder, uint64_t size_mib, const Route& route)
        : data(on_disk(folder, size_mib, route, "\"data\"")),
          none(on_disk(folder, size_mib, route, "\"none\"")) {}

    static it::StreamdOptions on_disk(const fs::path& folder, uint64_t size_mib, const Route& route,
                                      std::string sync) {
        // Room for the file twice over (the copy being checked while the next one comes)
        // and for ext4's own.
        return {.reserve = "0",
                .disk_image_bytes = (2 * size_mib + 64) << 20,
                .disk_image_folder = folder,
                .sync = std::move(sync),
                .command_prefix = route.receiver_prefix};
    }
    it::StreamdInstance data, none;
};

// Each end on a core of its own, as on two machines: left to the scheduler, both ends'
// threads wander across both cores, and the more threads a contender has (streamd's
// rings and the kernel's workers for them), the more it pays for the moves.
Tools pinned(const Tools& loop) {
    Tools tools = loop;
    cpu_set_t allowed;
    if (::sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) >= 2) {
        std::vector<int> cores;
        for (int c = 0; c < CPU_SETSIZE && cores.size() < 2; ++c)
            if (CPU_ISSET(c, &allowed)) cores.push_back(c);
        tools.route.sender_core = std::to_string(cores[0]);
        tools.route.receiver_core = std::to_string(cores[1]);
        tools.route.sender_prefix = {"taskset", "-c", tools.route.sender_core};
        tools.route.receiver_prefix = {"taskset", "-c", tools.route.receiver_core};
    }
    return tools;
}

// Each row in `twinned` against the reference build's twin after it: printed, and returned
// as JSON.
std::string against_reference(const std::vector<Row>& rows, const std::vector<size_t>& twinned,
                              const fs::path& reference) {
    std::printf("\nspeed against the reference build %s, new/reference:\n", reference.c_str());
    std::ostringstream json;
    json << '[';
    for (size_t i : twinned) {
        double ratio =
            rows[i + 1].median_of(&Sample::seconds) / rows[i].median_of(&Sample::seconds);
        std::printf("%-*s %7.2fx\n", name_width(rows), rows[i].name.c_str(), ratio);
        json << (i == twinned.front() ? "" : ",") << "{\"name\":\"" << rows[i].name
             << "\",\"vs_reference\":" << ratio << "}";
    }
    json << ']';
    return json.str();
}

// The loopback runs: the ceilings, streamd in every configuration asked for, the peers.
// `tools` are pinned, and `daemons` run on the same cores.
std::string loopback(const Options& opt, const Tools& tools, Daemons& daemons,
                     const fs::path& source, const fs::path& served, std::string& tsv) {
    std::optional<Daemons> reference;
    if (!opt.reference.empty()) reference.emplace(opt.reference, tools.route);
    std::vector<std::unique_ptr<Contender>> contenders;
    contenders.push_back(splice_copy(tools));
    if (!opt.only_streamd) contenders.push_back(iperf3(tools));
    // With a reference, each row's twin comes right after it, so that a slow spell of the
    // machine hits both alike and their ratio holds where their times do not.
    std::vector<size_t> twinned; // rows followed by their twin
    auto add_native = [&](StreamdRun run) {
        auto from = [&](Daemons& d) {
            return streamd_native(run.verified ? d.sender : d.unverified, d.receiver, run);
        };
        contenders.push_back(from(daemons));
        if (!reference) return;
        twinned.push_back(contenders.size() - 1);
        run.build = "streamd (reference)";
        contenders.push_back(from(*reference));
    };
    for (unsigned s : opt.streams)
        add_native({s, "", true});
    for (const auto& size : opt.chunk_sizes)
        add_native({8, size, true});
    for (unsigned s : opt.unverified)
        add_native({s, "", false});
    // Side by side, so that the disk's moods hit both alike.
    std::optional<DiskReceivers> disk;
    size_t synced_row = 0;
    if (!opt.disk.empty()) {
        disk.emplace(opt.disk, opt.size_mib, tools.route);
        contenders.push_back(durable_write(disk->data.incoming(), tools.route));
        synced_row = contenders.size();
        contenders.push_back(
            streamd_native(daemons.sender, disk->data, {.where = "ext4 on disk, sync = data"}));
        contenders.push_back(
            streamd_native(daemons.sender, disk->none, {.where = "ext4 on disk, sync = none"}));
    }
    if (!tools.ws_client.empty()) {
        contenders.push_back(streamd_websocket(tools, daemons.receiver, {.upload = true}));
        contenders.push_back(
            streamd_websocket(tools, daemons.receiver, {.upload = true, .digest = false}));
        contenders.push_back(streamd_websocket(tools, daemons.receiver, {.upload = false}));
    }
    if (!opt.only_streamd) {
        contenders.push_back(socat_pipe(tools));
        contenders.push_back(nginx_curl(tools, served));
        contenders.push_back(nginx_aria2(tools, served));
        contenders.push_back(rsync_daemon(tools));
    }
    // Encrypted, side by side with the rest.
    std::optional<EncryptedDaemons> encrypted, encrypted_reference;
    if (opt.encrypted) {
        encrypted.emplace(it::streamd_binary(), tools.route, tools.work / "tls.key");
        if (reference)
            encrypted_reference.emplace(opt.reference, tools.route, tools.work / "tls-ref.key");
        for (unsigned s : {1u, 8u}) {
            contenders.push_back(streamd_native(encrypted->sender, encrypted->receiver,
                                                {s, "", true, "streamd TLS"}));
            if (!reference) continue;
            twinned.push_back(contenders.size() - 1);
            contenders.push_back(streamd_native(encrypted_reference->sender,
                                                encrypted_reference->receiver,
                                                {s, "", true, "streamd TLS (reference)"}));
        }
        if (!opt.only_streamd) {
            contenders.push_back(scp(tools));
            contenders.push_back(rsync_ssh(tools));
            contenders.push_back(nginx_https_curl(tools, served));
        }
    }
    std::printf("loopback: %llu MiB, %u rounds, alternating; sending end on core %s, "
                "receiving end on core %s; files in %s\n",
                static_cast<unsigned long long>(opt.size_mib), opt.rounds,
                tools.route.sender_core.empty() ? "any" : tools.route.sender_core.c_str(),
                tools.route.receiver_core.empty() ? "any" : tools.route.receiver_core.c_str(),
                tools.work.c_str());
    auto rows = run_rounds(contenders, source, opt.rounds);
    std::string results = report(rows, opt.size_mib << 20);
    const std::string versus = reference ? against_reference(rows, twinned, opt.reference) : "";
    std::string tls = "null";
    if (encrypted) tls = encryption_summary(rows, opt.size_mib, tools.route.receiver_core);
    std::string durability = "null";
    if (disk) {
        const double cost = rows[synced_row].median_of(&Sample::seconds) /
                            rows[synced_row + 1].median_of(&Sample::seconds);
        const double over_disk = rows[synced_row].median_of(&Sample::seconds) /
                                 rows[synced_row - 1].median_of(&Sample::seconds);
        std::printf("\ndurability on %s: sync = data takes %.2fx the time of sync = none, "
                    "%.2fx that of dd conv=fdatasync\n",
                    opt.disk.c_str(), cost, over_disk);
        durability = "{\"disk\":\"" + opt.disk.string() +
                     "\",\"data_over_none\":" + std::to_string(cost) +
                     ",\"data_over_dd\":" + std::to_string(over_disk) + "}";
    }
    double ceiling = rows[0].median_of(&Sample::seconds);
    std::ostringstream table;
    // The chart's title takes the file's size from this comment line.
    if (opt.size_mib % 1024 == 0)
        table << "# " << opt.size_mib / 1024 << " GiB\n";
    else
        table << "# " << opt.size_mib << " MiB\n";
    table << "contender\tGiB/s\tvs ceiling\n";
    for (const auto& r : rows) {
        double m = r.median_of(&Sample::seconds);
        table << r.name << '\t' << static_cast<double>(opt.size_mib) / 1024 / m << '\t'
              << ceiling / m << '\n';
    }
    tsv = table.str();
    // Printed for each build, and returned as JSON.
    auto peak_rss = [](Daemons& d, const char* build) {
        double send = peak_rss_mib(d.sender.pid()), recv = peak_rss_mib(d.receiver.pid());
        std::printf("\n%s peak RSS: sender %.1f MiB, receiver %.1f MiB", build, send, recv);
        std::ostringstream json;
        json << "{\"sender\":" << send << ",\"receiver\":" << recv << "}";
        return json.str();
    };
    std::ostringstream json;
    json << "{\"size_mib\":" << opt.size_mib << ",\"rounds\":" << opt.rounds
         << ",\"results\":" << results
         << ",\"streamd_peak_rss_mib\":" << peak_rss(daemons, "streamd")
         << ",\"durability\":" << durability << ",\"encrypted\":" << tls;
    if (reference)
        json << ",\"reference\":{\"binary\":\"" << opt.reference.string()
             << "\",\"peak_rss_mib\":" << peak_rss(*reference, "streamd (reference)")
             << ",\"speed\":" << versus << "}";
    json << "}";
    std::printf("\n");
    return json.str();
}

// The folder rows' tree: at scale 1, 10,000 files of 64 KiB, 50 to a folder and ten such
// folders to one of the top level, and 100 of 10 MiB spread over the top level's folders:
// 220 folders, 1625 MiB. A scale multiplies the numbers of files, never their sizes: what
// each file costs stays what it is in the full tree.
struct TreeShape {
    static constexpr uint64_t kSmallBytes = 64 << 10;
    static constexpr uint64_t kLargeBytes = 10 << 20;
    static constexpr uint64_t kPerFolder = 50;
    static constexpr uint64_t kPerTop = 10;
    uint64_t small_files = 0;
    uint64_t large_files = 0;

    explicit TreeShape(double scale)
        : small_files(scaled(10000, scale)), large_files(scaled(100, scale)) {}
    uint64_t leaves() const { return (small_files + kPerFolder - 1) / kPerFolder; }
    uint64_t tops() const { return (leaves() + kPerTop - 1) / kPerTop; }
    uint64_t folders() const { return leaves() + tops(); }
    uint64_t bytes() const { return small_files * kSmallBytes + large_files * kLargeBytes; }

private:
    static uint64_t scaled(double n, double scale) {
        return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(n * scale)));
    }
};

// The tree under `top`, and the same bytes, file after file, in `one_file`: random, so that
// nothing on the way can compress them, and no two files alike.
void write_tree(const TreeShape& shape, const fs::path& top, const fs::path& one_file) {
    std::ofstream whole(one_file, std::ios::binary);
    std::mt19937_64 rng(7);
    std::vector<uint64_t> block;
    auto put = [&](const fs::path& path, uint64_t bytes) {
        block.resize(bytes / sizeof(uint64_t));
        for (auto& w : block)
            w = rng();
        const auto* data = reinterpret_cast<const char*>(block.data());
        const auto n = static_cast<std::streamsize>(bytes);
        fs::create_directories(path.parent_path());
        if (!std::ofstream(path, std::ios::binary).write(data, n) || !whole.write(data, n))
            throw std::runtime_error("cannot write " + path.string());
    };
    char path[80];
    for (uint64_t i = 0; i < shape.small_files; ++i) {
        const uint64_t leaf = i / TreeShape::kPerFolder;
        std::snprintf(path, sizeof path, "t%02" PRIu64 "/s%03" PRIu64 "/f%05" PRIu64 ".bin",
                      leaf / TreeShape::kPerTop, leaf, i);
        put(top / path, TreeShape::kSmallBytes);
    }
    for (uint64_t i = 0; i < shape.large_files; ++i) {
        std::snprintf(path, sizeof path, "t%02" PRIu64 "/large%03" PRIu64 ".bin", i % shape.tops(),
                      i);
        put(top / path, TreeShape::kLargeBytes);
    }
}

// The folder rows against each other and against the targets: printed, and returned as
// JSON.
std::string folder_summary(const std::vector<Row>& rows) {
    auto find = [&](const std::string& name) -> const Row* {
        for (const auto& r : rows)
            if (r.name == name) return &r;
        return nullptr;
    };
    const Row* folder = find("streamd folder, 8 streams");
    const Row* one_file = find("streamd one file, 8 streams");
    std::ostringstream json;
    json << '{';
    std::printf("\nfolders, speed over speed:\n");
    auto ratio = [&](const char* label, const Row* fast, const Row* slow, const char* key) {
        if (!fast || !slow) return;
        const double r = slow->median_of(&Sample::seconds) / fast->median_of(&Sample::seconds);
        std::printf("  %-56s %6.2fx\n", label, r);
        json << (json.tellp() > 1 ? "," : "") << '"' << key << "\":" << r;
    };
    ratio("streamd folder vs streamd one file (target >= 0.7x)", folder, one_file,
          "folder_vs_one_file");
    ratio("streamd folder vs rsync daemon -r (target >= 3x)", folder, find("rsync daemon -r"),
          "folder_vs_rsync_r");
    ratio("streamd folder vs tar | socat", folder, find("tar | socat"), "folder_vs_tar_socat");
    ratio("streamd folder vs scp -r", folder, find("scp -r"), "folder_vs_scp_r");
    // The part of streamd's time that is not the transfer: streamctl's walk, its opening
    // of every file and the hand-over of their descriptors on the bus.
    for (auto [r, key] : {std::pair{folder, "folder"}, std::pair{one_file, "one_file"}}) {
        const double before = r->median_of(&Sample::preparing);
        std::printf("  %-56s %6.3f s of %.3f s\n", ("before the daemon had it, " + r->name).c_str(),
                    before, r->median_of(&Sample::seconds));
        json << ",\"" << key << "_before_transfer_s\":" << before;
    }
    json << '}';
    return json.str();
}

// The folder rows: streamd sending the tree, and the same bytes as one file, between the
// loopback rows' daemons, next to the peers' ways of sending a folder. Every contender
// receives into a folder of its own on the same file system, and every copy is compared
// with the tree.
std::string folders(const Options& opt, const Tools& tools, Daemons& daemons) {
    const TreeShape shape(opt.tree_scale);
    const fs::path top = tools.work / "tree";
    const fs::path one_file = tools.work / "tree-as-one-file";
    write_tree(shape, top, one_file);
    std::vector<std::unique_ptr<Contender>> contenders;
    std::vector<fs::path> sources;
    contenders.push_back(streamd_native(daemons.sender, daemons.receiver,
                                        {.what = "one file", .from_command = true}));
    sources.push_back(one_file);
    contenders.push_back(
        streamd_native(daemons.sender, daemons.receiver, {.what = "folder", .from_command = true}));
    if (!opt.only_streamd) {
        contenders.push_back(rsync_daemon(tools, Shape::Folder));
        contenders.push_back(tar_socat(tools));
        contenders.push_back(scp(tools, Shape::Folder));
    }
    sources.resize(contenders.size(), top);
    std::printf("\nfolders: %llu files of 64 KiB and %llu of 10 MiB in %llu folders, %.1f MiB; "
                "%u round%s, alternating, each end on its own core; files in %s\n",
                static_cast<unsigned long long>(shape.small_files),
                static_cast<unsigned long long>(shape.large_files),
                static_cast<unsigned long long>(shape.folders()),
                static_cast<double>(shape.bytes()) / (1 << 20), opt.tree_rounds,
                opt.tree_rounds == 1 ? "" : "s", tools.work.c_str());
    std::fflush(stdout);
    auto rows = run_rounds(contenders, sources, opt.tree_rounds);
    const std::string results = report(rows, shape.bytes(), {.what = "one file"});
    const std::string summary = folder_summary(rows);
    fs::remove_all(top);
    fs::remove(one_file);
    std::ostringstream json;
    json << "{\"small_files\":" << shape.small_files
         << ",\"small_bytes\":" << TreeShape::kSmallBytes
         << ",\"large_files\":" << shape.large_files
         << ",\"large_bytes\":" << TreeShape::kLargeBytes << ",\"folders\":" << shape.folders()
         << ",\"bytes\":" << shape.bytes() << ",\"rounds\":" << opt.tree_rounds
         << ",\"results\":" << results << ",\"summary\":" << summary << "}";
    return json.str();
}

// Contenders by links, median Gbit/s, for the chart.
struct WanChart {
    std::vector<std::string> contenders;
    std::vector<std::string> links;
    std::vector<std::vector<double>> gbit; // one row per link
};

// The limit the rate rows ask for: well under every emulated link, and long enough at
// the default size (25.6 s for 128 MiB) that connecting, TCP's start on a long link and
// repairing a loss at the very end hardly count.
constexpr unsigned kRateMib = 5;
const std::string kRate = std::to_string(kRateMib) + "M";

// The rate rows: what each reached against what it asked for; printed, and returned as
// JSON.
std::string rate_summary(const std::vector<Row>& rows, uint64_t size_mib) {
    std::printf("\nbandwidth limits, %u MiB/s asked for:\n", kRateMib);
    std::ostringstream json;
    json << '[';
    for (size_t i = 0; i < rows.size(); ++i) {
        const double mib_per_s =
            static_cast<double>(size_mib) / rows[i].median_of(&Sample::seconds);
        std::printf("%-*s %7.2f MiB/s %7.3fx\n", name_width(rows), rows[i].name.c_str(), mib_per_s,
                    mib_per_s / kRateMib);
        json << (i ? "," : "") << "{\"name\":\"" << rows[i].name
             << "\",\"asked_mib_per_s\":" << kRateMib << ",\"mib_per_s\":" << mib_per_s
             << ",\"vs_asked\":" << mib_per_s / kRateMib << "}";
    }
    json << ']';
    return json.str();
}

// One emulated link: the sending ends in namespace a, the receiving ends in b.
std::string wan(const Options& opt, const WanLink::Options& link_options, const Tools& loop,
                const fs::path& source, const fs::path& served, WanChart& chart) {
    std::printf("\nWAN: %g ms RTT, %g%% loss, %s; %llu MiB, %u round%s\n", link_options.rtt_ms,
                link_options.loss * 100, link_options.rate.c_str(),
                static_cast<unsigned long long>(opt.wan_size_mib), opt.wan_rounds,
                opt.wan_rounds == 1 ? "" : "s");
    std::fflush(stdout);
    WanLink link(link_options);
    Tools tools = loop;
    tools.route = {link.in_a(), link.in_b(), link.address_a(), link.address_b()};
    it::StreamdOptions a, b;
    a.command_prefix = link.in_a();
    a.address = link.address_a();
    b.command_prefix = link.in_b();
    b.address = link.address_b();
    it::StreamdInstance sender(a), receiver(b);
    // The bandwidth limits: a transfer's own (--rate) and the daemon's (max_rate).
    it::StreamdOptions limited_options = a;
    limited_options.max_rate = "\"" + kRate + "\"";
    it::StreamdInstance limited(limited_options);
    // The reference build's daemons at the same ends, for twins of the unlimited rows.
    std::optional<it::StreamdInstance> reference_sender, reference_receiver;
    if (!opt.reference.empty()) {
        reference_sender.emplace(opt.reference, a);
        reference_receiver.emplace(opt.reference, b);
    }
    std::vector<std::unique_ptr<Contender>> contenders;
    if (!opt.only_streamd) contenders.push_back(iperf3(tools));
    std::vector<size_t> twinned;
    for (unsigned streams : {1U, 8U}) {
        contenders.push_back(streamd_native(sender, receiver, {streams, "", true}));
        if (!reference_sender) continue;
        twinned.push_back(contenders.size() - 1);
        contenders.push_back(streamd_native(*reference_sender, *reference_receiver,
                                            {streams, "", true, "streamd (reference)"}));
    }
    const size_t rated = contenders.size();
    contenders.push_back(streamd_native(sender, receiver, {.streams = 8, .rate = kRate}));
    contenders.push_back(
        streamd_native(limited, receiver, {.streams = 8, .where = "max_rate " + kRate}));
    if (!opt.only_streamd) {
        contenders.push_back(socat_pipe(tools));
        contenders.push_back(nginx_curl(tools, served));
        contenders.push_back(nginx_aria2(tools, served));
        contenders.push_back(rsync_daemon(tools));
    }
    auto rows = run_rounds(contenders, source, opt.wan_rounds);
    std::string results =
        report(rows, opt.wan_size_mib << 20, {.what = "link", .link_gbit = link.rate_gbit()});
    const std::string rates =
        rate_summary({rows.begin() + rated, rows.begin() + rated + 2}, opt.wan_size_mib);
    const std::string versus =
        twinned.empty() ? "null" : against_reference(rows, twinned, opt.reference);
    chart.contenders.clear();
    chart.gbit.emplace_back();
    for (const auto& r : rows) {
        chart.contenders.push_back(r.name);
        chart.gbit.back().push_back(static_cast<double>(opt.wan_size_mib) / 1024 * kGbitPerGib /
                                    r.median_of(&Sample::seconds));
    }
    std::ostringstream label;
    label << link_options.rtt_ms << " ms, " << link_options.loss * 100 << "% loss";
    chart.links.push_back(label.str());
    std::ostringstream json;
    json << "{\"rtt_ms\":" << link_options.rtt_ms << ",\"loss\":" << link_options.loss
         << ",\"rate\":\"" << link_options.rate << "\",\"size_mib\":" << opt.wan_size_mib
         << ",\"rounds\":" << opt.wan_rounds << ",\"results\":" << results << ",\"rates\":" << rates
         << ",\"vs_reference\":" << versus << "}";
    return json.str();
}

// Why the WAN runs cannot happen here, or "" if they can.
std::string wan_unavailable() {
    if (::geteuid() != 0) return "they need root for network namespaces";
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) return "there is no usable /dev/net/tun";
    if (!std::getenv("DELAY_LINE_BIN")) return "DELAY_LINE_BIN is not set";
    return "";
}

} // namespace

int main(int argc, char** argv) try {
    Options opt = parse(argc, argv);
    const char* tool = std::getenv("SPLICE_COPY_BIN");
    if (!tool) throw std::runtime_error("SPLICE_COPY_BIN is not set; run through `make bench`");

    fixtures::TempDir dir("streamd-bench");
    fs::path served = dir.path() / "served";
    fs::create_directories(served);
    fs::path source = served / "source";
    if (!opt.trees_only) write_random(source, opt.size_mib << 20);
    Tools tools{tool, dir.path()};
    std::string client;
    if (opt.websocket && !opt.trees_only) {
        if (const char* script = std::getenv("WS_CLIENT")) tools.ws_client = script;
        if (auto why = websocket_unavailable(tools, client); !why.empty()) {
            std::printf("WebSocket upload and download skipped: %s\n\n", why.c_str());
            tools.ws_client.clear();
        } else {
            std::printf("WebSocket client: %s\n\n", client.c_str());
        }
    }
    std::string tsv;
    std::ostringstream json;
    WanChart wan_chart;
    // Which node and which `ws` the browsers' numbers come from.
    json << "{\"websocket_client\":" << (tools.ws_client.empty() ? "null" : client);
    {
        // The folder rows use the file rows' daemons; all of them stop before the WAN runs.
        const Tools local = pinned(tools);
        Daemons daemons(it::streamd_binary(), local.route);
        json << ",\"loopback\":"
             << (opt.trees_only ? "null" : loopback(opt, local, daemons, source, served, tsv));
        json << ",\"folders\":" << (opt.trees ? folders(opt, local, daemons) : "null");
    }
    json << ",\"wan\":[";
    if (!opt.wan.empty() && !opt.trees_only) {
        if (auto why = wan_unavailable(); !why.empty()) {
            std::printf("\nWAN runs skipped: %s\n", why.c_str());
        } else {
            fs::path wan_source = served / "wan-source";
            write_random(wan_source, opt.wan_size_mib << 20);
            for (size_t i = 0; i < opt.wan.size(); ++i)
                json << (i ? "," : "")
                     << wan(opt, opt.wan[i], tools, wan_source, served, wan_chart);
        }
    }
    json << "]}\n";
    if (!opt.json.empty()) {
        fs::create_directories(fs::path(opt.json).parent_path());
        std::ofstream(opt.json) << json.str();
        std::printf("wrote %s\n", opt.json.c_str());
        // The loopback results again, as columns for the chart.
        if (!tsv.empty()) {
            fs::path tsv_path = fs::path(opt.json).replace_extension(".tsv");
            std::ofstream(tsv_path) << tsv;
            std::printf("wrote %s\n", tsv_path.c_str());
        }
        // And the WAN results, contenders by links, Gbit/s.
        if (!wan_chart.links.empty()) {
            fs::path wan_path = fs::path(opt.json).replace_extension(".wan.tsv");
            std::ofstream out(wan_path);
            out << "link";
            for (const auto& name : wan_chart.contenders)
                out << '\t' << name;
            for (size_t i = 0; i < wan_chart.links.size(); ++i) {
                out << '\n' << wan_chart.links[i];
                for (double g : wan_chart.gbit[i])
                    out << '\t' << g;
            }
            out << '\n';
            std::printf("wrote %s\n", wan_path.c_str());
        }
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "side_by_side: %s\n", e.what());
    return 1;
}

// streamd against the zero-copy reference, side by side and alternating in one run.
//
//   side_by_side [--size MIB] [--rounds N] [--streams N[,N...]]
//
// Starts two real daemons on loopback, each with its own bus, and times `streamctl
// send` from one to the other next to bench/splice_copy moving the same file between
// two processes. Run it with TMPDIR on a tmpfs so that disk writeback stays out of the
// numbers. Every received file is compared with the source.
#include "process.hpp"
#include "streamctl.hpp"
#include "streamd_instance.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using namespace streamd::it;

namespace {

struct Options {
    uint64_t size_mib = 1024;
    unsigned rounds = 5;
    std::vector<unsigned> streams{1, 4, 8};
};

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
        } else if (a == "--streams") {
            o.streams.clear();
            std::string list = value();
            for (size_t pos = 0; pos < list.size();) {
                size_t comma = list.find(',', pos);
                o.streams.push_back(
                    static_cast<unsigned>(std::stoul(list.substr(pos, comma - pos))));
                pos = comma == std::string::npos ? list.size() : comma + 1;
            }
        } else {
            throw std::invalid_argument("unknown option " + a);
        }
    }
    if (o.rounds == 0 || o.size_mib == 0 || o.streams.empty())
        throw std::invalid_argument("size, rounds and streams must be positive");
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

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Seconds for one splice_copy run (its own measurement, from connect to the last byte).
double run_reference(const fs::path& tool, const fs::path& source, const fs::path& dest) {
    SpawnOptions o;
    o.argv = {tool.string(), source.string(), dest.string()};
    auto r = run(o, std::chrono::minutes(10));
    if (!r.status.success()) throw std::runtime_error("splice_copy failed: " + r.describe());
    return std::stod(r.out.substr(r.out.find(' ') + 1));
}

// Seconds for one transfer, as the sending daemon timed it (streamctl's summary).
double run_streamd(const StreamdInstance& from, const StreamdInstance& to, const fs::path& source,
                   unsigned streams, const std::string& name) {
    auto r = run_streamctl(from.bus_address(), {"send", source.string(), to.endpoint(), "--streams",
                                                std::to_string(streams), "--as", name});
    static const std::regex took(" in ([0-9.]+) s ");
    std::smatch m;
    if (!r.status.success() || !std::regex_search(r.out, m, took))
        throw std::runtime_error("streamctl send failed: " + r.describe());
    return std::stod(m[1].str());
}

} // namespace

int main(int argc, char** argv) try {
    Options opt = parse(argc, argv);
    const char* tool = std::getenv("SPLICE_COPY_BIN");
    if (!tool) throw std::runtime_error("SPLICE_COPY_BIN is not set; run through `make bench`");

    TempDir dir("streamd-bench");
    fs::path source = dir.path() / "source";
    fs::path reference_out = dir.path() / "reference-out";
    write_random(source, opt.size_mib << 20);

    StreamdInstance sender, receiver;
    std::printf("%llu MiB, %u rounds, alternating; files in %s\n",
                static_cast<unsigned long long>(opt.size_mib), opt.rounds, dir.path().c_str());

    std::map<std::string, std::vector<double>> times;
    std::vector<std::string> order{"splice_copy"};
    for (unsigned s : opt.streams)
        order.push_back("streamd, " + std::to_string(s) + " stream" + (s == 1 ? "" : "s"));

    for (unsigned round = 1; round <= opt.rounds; ++round) {
        std::printf("round %u:", round);
        fs::remove(reference_out);
        double t = run_reference(tool, source, reference_out);
        if (!same_content(source, reference_out))
            throw std::runtime_error("splice_copy produced a different file");
        fs::remove(reference_out);
        times[order[0]].push_back(t);
        std::printf(" splice_copy %.3f s", t);
        for (size_t i = 0; i < opt.streams.size(); ++i) {
            std::string name = "bench-" + std::to_string(opt.streams[i]);
            t = run_streamd(sender, receiver, source, opt.streams[i], name);
            fs::path received = receiver.incoming() / name;
            if (!same_content(source, received))
                throw std::runtime_error("streamd delivered a different file");
            fs::remove(received);
            times[order[i + 1]].push_back(t);
            std::printf(", %u: %.3f s", opt.streams[i], t);
        }
        std::printf("\n");
        std::fflush(stdout);
    }

    double gib = static_cast<double>(opt.size_mib) / 1024;
    double ref = median(times[order[0]]);
    std::printf("\n%-22s %10s %10s %14s\n", "contender", "median s", "GiB/s", "vs splice_copy");
    for (const auto& name : order) {
        double m = median(times[name]);
        std::printf("%-22s %10.3f %10.2f %13.2fx\n", name.c_str(), m, gib / m, ref / m);
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "side_by_side: %s\n", e.what());
    return 1;
}

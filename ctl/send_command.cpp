#include "send_command.hpp"

#include "bus_client.hpp"
#include "failure.hpp"
#include "send_source.hpp"
#include "send_summary.hpp"
#include "transfer_follow.hpp"

#include <chrono>
#include <cstdio>

namespace streamd::ctl {

namespace {

using Clock = std::chrono::steady_clock;

struct Outgoing {
    SendSource source; // its descriptors until the daemon has its own
    TransferRef transfer;
};

std::vector<Outgoing> open_all(const SendRequest& request) {
    std::vector<Outgoing> files;
    for (const std::string& path : request.paths) {
        Outgoing o;
        o.source = open_send_source(path, request.name);
        files.push_back(std::move(o));
    }
    return files;
}

TransferRef queue(BusClient& client, SendSource& source, const std::string& destination,
                  const std::map<std::string, sdbus::Variant>& options) {
    if (!source.tree) return client.send(source.file, destination, options);
    auto with_skipped = options;
    if (!source.tree->skipped.empty()) {
        std::vector<sdbus::Struct<std::string, std::string>> skipped;
        for (const auto& s : source.tree->skipped)
            skipped.emplace_back(s.path, s.why);
        with_skipped["skipped"] = sdbus::Variant(skipped);
    }
    return client.send_tree(source.tree->folder, source.manifest, take_data_files(*source.tree),
                            destination, with_skipped);
}

void queue_all(BusClient& client, std::vector<Outgoing>& files, const SendRequest& request) {
    for (size_t i = 0; i < files.size(); ++i) {
        Outgoing& o = files[i];
        std::map<std::string, sdbus::Variant> options{{"name", sdbus::Variant(o.source.name)}};
        if (request.streams) options["streams"] = sdbus::Variant(*request.streams);
        if (request.chunk_size) options["chunk_size"] = sdbus::Variant(*request.chunk_size);
        if (request.max_rate) options["max_rate"] = sdbus::Variant(*request.max_rate);
        try {
            o.transfer = queue(client, o.source, request.destination, options);
        } catch (const Failure& e) {
            if (i == 0) throw;
            // All or nothing: the transfers queued before this one are taken back.
            std::vector<uint32_t> taken_back;
            for (size_t j = 0; j < i; ++j) {
                try {
                    client.cancel_transfer(files[j].transfer);
                    taken_back.push_back(files[j].transfer.id);
                } catch (const Failure&) {
                }
            }
            std::string what = "cannot queue '" + o.source.path + "': " + e.what();
            if (!taken_back.empty())
                what += "; canceled " + transfers_named(taken_back) + ", queued before it";
            throw Failure(what);
        }
        // The daemon has its own descriptors now.
        o.source.file.reset();
        o.source.tree.reset();
        o.source.manifest = {};
    }
}

} // namespace

int run_send(const SendRequest& request, BusKind bus) {
    // Every path is opened and checked before any is queued, so that a typo in the last
    // name does not leave the first files on their way.
    std::vector<Outgoing> files = open_all(request);
    for (const Outgoing& o : files)
        for (const std::string& line : skip_warnings(o.source))
            std::fprintf(stderr, "streamctl: %s\n", line.c_str());

    BusClient client(bus);
    const auto started = Clock::now();
    queue_all(client, files, request);

    if (!request.wait) {
        for (const Outgoing& o : files)
            std::printf("%u\n", o.transfer.id);
        return 0;
    }
    std::vector<Followed> followed;
    for (const Outgoing& o : files)
        followed.push_back({o.source.name, o.transfer});
    return follow_transfers(client, followed, started,
                            [&](const Followed& f, std::string_view stored, double seconds) {
                                return format_send_summary(f.name, request.destination, stored,
                                                           f.last.size, seconds, f.last.files);
                            });
}

} // namespace streamd::ctl

// The power cut under a daemon, as xfstests makes one: its incoming and state folders on an
// ext4 image, the daemon killed with SIGKILL and the file system shut down without writing
// its log, so that all that had not reached the image is lost; then mounted again and the
// daemon started again. Cut at points drawn for each run: what a sender was told arrived is
// there and whole, every other transfer resumes or starts over, no damaged file ever has its
// final name, and no journal vouches for data the image does not hold.

#include "control_expectations.hpp"
#include "relayed_pair.hpp"
#include "storage/transfer_journal.hpp"
#include "streamctl.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "test_seed.hpp"
#include "transfer_states.hpp"
#include "wait_until.hpp"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t chunk = 256 * KiB;
// Four of the receiver's sync batches (kSyncBatchBytes, 16 MiB).
constexpr std::uint64_t file_size = 64 * MiB;
constexpr std::uint64_t image_bytes = 512 * MiB;
constexpr unsigned streams = 4;

StreamdOptions eager_sender() {
    return StreamdOptions{.reconnect_attempts = 60, .reconnect_delay = "0"};
}

StreamdOptions on_a_disk(StreamdOptions options) {
    options.disk_image_bytes = image_bytes;
    return options;
}

// Where a round cuts, in bytes each stream has delivered.
struct CutPoints {
    std::uint64_t seed = 0;
    std::uint64_t before_first_chunk = 0; // past the OFFER, before a whole chunk
    // Per stream: more than one sync batch in all, and with what the streams' socket buffers
    // hold besides well under the file, so that every stream still has chunks to send.
    std::uint64_t in_the_middle = 0;

    std::string describe() const {
        return "STREAMD_TEST_SEED=" + std::to_string(seed) + " draws the cuts at " +
               std::to_string(before_first_chunk) + " and " + std::to_string(in_the_middle) +
               " bytes per stream";
    }
};

CutPoints draw_cut_points() {
    CutPoints points;
    points.seed = test_seed();
    // mt19937_64 and a plain modulo give the same numbers with every standard library.
    std::mt19937_64 draw(points.seed);
    points.before_first_chunk = draw() % 160;
    points.in_the_middle = 5 * MiB + draw() % (3 * MiB);
    return points;
}

std::vector<std::uint8_t> read_range(const fs::path& file, std::uint64_t offset,
                                     std::uint64_t length) {
    std::ifstream in(file, std::ios::binary);
    std::vector<std::uint8_t> bytes(length);
    in.seekg(static_cast<std::streamoff>(offset));
    in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(length));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return bytes;
}

class PowerCut : public ::testing::Test {
protected:
    PowerCut(StreamdOptions sender, StreamdOptions receiver)
        : pair_(std::move(sender), std::move(receiver)) {}

    std::vector<std::string> send_args(const std::string& name, unsigned stream_count) {
        write_random_file(sources_ / name, file_size,
                          points_.seed ^ std::hash<std::string>{}(name));
        return {"send",
                "--streams",
                std::to_string(stream_count),
                "--chunk-size",
                "256K",
                (sources_ / name).string(),
                pair_.relay.endpoint()};
    }

    // Queues `name` through the relay and returns at once.
    void queue(const std::string& name, unsigned stream_count) {
        auto args = send_args(name, stream_count);
        args.insert(args.begin() + 1, "--no-block");
        RunResult sent = run_streamctl(pair_.sender.bus_address(), args);
        ASSERT_TRUE(succeeded(sent)) << pair_.logs();
    }

    void wait_held(std::size_t count) {
        ASSERT_TRUE(pair_.relay.wait_until(
            [&](const TcpRelay::Counts& c) { return c.held >= count; }, generous_deadline))
            << pair_.logs();
    }

    // Waits until the receiver has written and verified at least `bytes` of `name`.
    void wait_received(const std::string& name, std::uint64_t bytes) {
        std::vector<TransferRow> rows;
        ASSERT_TRUE(wait_until([&] {
            rows = pair_.receiver_bus.list_transfers();
            for (const auto& row : rows)
                if (row.name == name && row.state == "running" && row.bytes_done >= bytes)
                    return true;
            return false;
        })) << "want "
            << bytes << " bytes of " << name << "\n"
            << describe(rows) << pair_.logs();
    }

    void wait_sent(const std::string& name) {
        EXPECT_TRUE(ended_done(pair_.sender_bus, name)) << pair_.logs();
    }

    void expect_arrived_whole(const std::string& name) {
        EXPECT_EQ(sha256_of(pair_.receiver.incoming() / name), sha256_of(sources_ / name))
            << name << "\n"
            << pair_.logs();
    }

    // Right after a cut: every file under its final name is whole, and every chunk a
    // journal vouches for is on the image as it was sent. Returns the bytes the journals
    // vouch for.
    std::uint64_t expect_nothing_trusted_that_is_not_there() {
        std::uint64_t vouched = 0;
        const fs::path incoming = pair_.receiver.incoming();
        // A folder made just before the cut may be gone with it; the daemon makes it again.
        if (!fs::exists(incoming)) return 0;
        for (const std::string& entry : entries_in(incoming)) {
            if (!entry.starts_with(".streamd-")) {
                EXPECT_EQ(sha256_of(incoming / entry), sha256_of(sources_ / entry))
                    << entry << " has its final name but is not the file that was sent";
                continue;
            }
            if (!entry.ends_with(".journal")) continue;
            std::ifstream in(incoming / entry, std::ios::binary);
            std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
            JournalContents journal;
            try {
                journal = parse_journal(bytes);
            } catch (const JournalError&) {
                continue; // the daemon removes a journal it cannot trust
            }
            fs::path partial = incoming / entry;
            partial.replace_extension(".part");
            const fs::path source = sources_ / journal.offer.name;
            for (const auto& e : journal.entries) {
                const std::uint64_t offset = e.index * journal.offer.chunk_size;
                const std::uint64_t length =
                    std::min<std::uint64_t>(journal.offer.chunk_size, journal.offer.size - offset);
                EXPECT_TRUE(read_range(partial, offset, length) ==
                            read_range(source, offset, length))
                    << entry << " vouches for the chunk at " << offset
                    << ", which did not reach the disk";
                vouched += length;
            }
        }
        return vouched;
    }

    std::uint64_t to_receiver() { return pair_.relay.counts().to_server; }

    void wait_path_closed() {
        EXPECT_TRUE(pair_.relay.wait_until([](const TcpRelay::Counts& c) { return c.open == 0; },
                                           generous_deadline))
            << pair_.logs();
    }

    CutPoints points_ = draw_cut_points();
    RelayedPair pair_;
    fixtures::TempDir sources_{"streamd-it-power-cut"};
};

class ReceiverPowerCut : public PowerCut {
protected:
    ReceiverPowerCut() : PowerCut(eager_sender(), on_a_disk({})) {}

    // A cut of the receiver while `name` is under way, then the same transfer to its end.
    void cut_and_go_on(const std::string& name) {
        pair_.receiver.power_cut();
        expect_nothing_trusted_that_is_not_there();
        wait_path_closed();
        pair_.relay.release();
        pair_.receiver.restart();
        wait_sent(name);
        expect_arrived_whole(name);
    }
};

TEST_F(ReceiverPowerCut, RightAfterTheSenderWasToldTheFileArrived) {
    SCOPED_TRACE(points_.describe());
    RunResult sent = run_streamctl(pair_.sender.bus_address(), send_args("told.bin", 1));
    ASSERT_TRUE(succeeded(sent)) << pair_.logs();
    pair_.receiver.power_cut();
    ASSERT_TRUE(fs::exists(pair_.receiver.incoming() / "told.bin"))
        << "the sender was told it arrived; after the power cut it is gone\n"
        << ::testing::PrintToString(entries_in(pair_.receiver.incoming()));
    expect_arrived_whole("told.bin");
    expect_nothing_trusted_that_is_not_there();
}

TEST_F(ReceiverPowerCut, BeforeTheFirstChunk) {
    SCOPED_TRACE(points_.describe());
    // Accepted, so that the sender tries again: one that never was gives up at once.
    proto::Offer offer;
    offer.name = "early.bin";
    std::vector<std::uint8_t> handshake(proto::kPreambleSize);
    proto::encode(offer, handshake);
    pair_.relay.hold_after(handshake.size() + points_.before_first_chunk);
    queue("early.bin", 1);
    wait_received("early.bin", 0);
    wait_held(1);
    ASSERT_FALSE(HasFailure());
    cut_and_go_on("early.bin");
}

TEST_F(ReceiverPowerCut, InTheMiddleResumesFromWhatIsOnDisk) {
    SCOPED_TRACE(points_.describe());
    pair_.relay.hold_after(points_.in_the_middle);
    queue("middle.bin", streams);
    // Whole chunks of every stream written and verified; at least one batch synced.
    const std::uint64_t whole_chunks = (points_.in_the_middle - 512) / (chunk + 32);
    wait_received("middle.bin", streams * whole_chunks * chunk);
    wait_held(streams);
    ASSERT_FALSE(HasFailure());
    pair_.receiver.power_cut();
    const std::uint64_t on_disk = expect_nothing_trusted_that_is_not_there();
    wait_path_closed();
    const std::uint64_t before = to_receiver();
    pair_.relay.release();
    pair_.receiver.restart();
    wait_sent("middle.bin");
    expect_arrived_whole("middle.bin");
    // What the journal vouched for was not sent again (the slack covers frame headers).
    EXPECT_LE(to_receiver() - before, file_size - on_disk + 64 * KiB) << pair_.logs();
}

TEST_F(ReceiverPowerCut, BetweenTheLastChunkAndDone) {
    SCOPED_TRACE(points_.describe());
    // A whole transfer of one stream measures where its FINISH starts.
    const std::uint64_t before = to_receiver();
    RunResult sent = run_streamctl(pair_.sender.bus_address(), send_args("ruler.bin", 1));
    ASSERT_TRUE(succeeded(sent)) << pair_.logs();
    std::vector<std::uint8_t> finish;
    proto::encode(proto::Finish{}, finish);
    const std::uint64_t up_to_finish = to_receiver() - before - finish.size();

    pair_.relay.hold_after(up_to_finish);
    queue("final.bin", 1); // a name as long as the ruler's: the same OFFER size
    wait_received("final.bin", file_size);
    wait_held(1);
    ASSERT_FALSE(HasFailure());
    cut_and_go_on("final.bin");
}

class SenderPowerCut : public PowerCut {
protected:
    SenderPowerCut() : PowerCut(on_a_disk(eager_sender()), {}) {}
};

TEST_F(SenderPowerCut, AQueuedTransferSurvives) {
    SCOPED_TRACE(points_.describe());
    pair_.relay.hold_after(points_.in_the_middle);
    queue("queued.bin", streams);
    wait_held(streams);
    ASSERT_FALSE(HasFailure());
    pair_.sender.power_cut();
    // What the dead sender's sockets still held flows on until its streams end.
    pair_.relay.release();
    wait_path_closed();
    pair_.sender.restart();
    wait_sent("queued.bin");
    expect_arrived_whole("queued.bin");
}

} // namespace
} // namespace streamd::it

// Transfers that break and go on: connections reset on the path, either daemon killed with
// SIGKILL at points drawn at random for each run, a sender that gives up and sends the file again,
// a transfer still queued when its sender died, journals that cannot be trusted, partial files
// left to expire. Every round ends with the very file on the receiver, and what crossed the wire
// twice stays within what was in flight when it broke.

#include "control_expectations.hpp"
#include "relayed_pair.hpp"
#include "streamctl.hpp"
#include "temp_dir.hpp"
#include "test_files.hpp"
#include "test_seed.hpp"
#include "transfer_states.hpp"
#include "tree_facts.hpp"
#include "wait_until.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <string>
#include <vector>

namespace streamd::it {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t chunk = 256 * KiB;
constexpr unsigned streams = 4;
// Larger than what the streams can push into the held path (the relay's budget and both socket
// buffers), so that every stream still has chunks to send when a test stops them.
constexpr std::uint64_t file_size = 64 * MiB;
// Broken where wait_stopped_in_the_middle() waits, a stream has one partial chunk in flight;
// more sent twice would mean the receiver's journal went unused. The slack covers frame headers.
constexpr std::uint64_t resend_bound = streams * chunk + 64 * KiB;
// A receiver killed loses from its journal what waited for the next sync of the data
// ([storage] sync = "data"): one batch of chunks (16 MiB) at most goes again besides.
constexpr std::uint64_t sync_batch = 16 * MiB;
// A folder of the same bytes in this many files, and a bound on its manifest.
constexpr std::uint64_t tree_files = 32;
constexpr std::uint64_t tree_manifest = 4 * KiB;

// A sender that tries again at once (each second) and often, so that rounds stay short.
StreamdOptions eager_sender() {
    return StreamdOptions{.reconnect_attempts = 60, .reconnect_delay = "0"};
}

// Budgets for the relay, per stream. At least one whole chunk per stream arrives, so that there
// is something to resume from; at most, the four held streams with their socket buffers take in
// well under the file, so that every stream still has chunks to send when it is held.
constexpr std::uint64_t lowest_budget = 512 * KiB;
constexpr std::uint64_t highest_budget = 4 * MiB;

// Where the rounds of a test break: other points of a chunk and of the file in every run, and the
// same ones again when STREAMD_TEST_SEED is set to the seed a failure reported.
struct BreakPoints {
    std::uint64_t seed = 0;
    std::vector<std::uint64_t> budgets;

    std::string describe() const {
        std::string text = "STREAMD_TEST_SEED=" + std::to_string(seed) + " draws the budgets";
        for (std::uint64_t budget : budgets)
            text += " " + std::to_string(budget);
        return text;
    }
};

BreakPoints draw_break_points(unsigned rounds) {
    BreakPoints points;
    points.seed = test_seed();
    // mt19937_64 and a plain modulo give the same numbers with every standard library, which
    // std::uniform_int_distribution does not promise.
    std::mt19937_64 draw(points.seed);
    for (unsigned i = 0; i < rounds; ++i)
        points.budgets.push_back(lowest_budget + draw() % (highest_budget - lowest_budget));
    return points;
}

// How the two daemons talk: in the clear, or TLS with the key they share.
enum class Wire { Plain, Tls };

// TLS adds a 22-byte header and tag to every record of up to 16 KiB.
constexpr std::uint64_t tls_record = 16 * KiB;
constexpr std::uint64_t tls_record_overhead = 22;

StreamdOptions on(Wire wire, StreamdOptions options) {
    if (wire == Wire::Tls) {
        static const fixtures::TempDir keys("streamd-it-resume-keys");
        options.secret_file = keys.path() / "shared.key"; // made by the first daemon
    }
    return options;
}

class Resume : public ::testing::Test {
protected:
    explicit Resume(StreamdOptions sender = eager_sender(), StreamdOptions receiver = {},
                    Wire wire = Wire::Plain)
        : wire_(wire), pair_(on(wire, std::move(sender)), on(wire, std::move(receiver))) {}

    // What `bytes` of the connection's own take on the wire, at most.
    std::uint64_t on_the_wire(std::uint64_t bytes) const {
        if (wire_ == Wire::Plain) return bytes;
        // Every send seals what it has into records of its own, the last one short.
        return bytes + (bytes / tls_record + 2 * (bytes / chunk + 1)) * tls_record_overhead;
    }

    // Queues `name` (random bytes from `seed`) through the relay; returns its id on the sender.
    std::uint32_t send(const std::string& name, std::uint64_t seed) {
        write_random_file(sources_ / name, file_size, seed);
        return queue(name);
    }

    // The same bytes as a folder `name`: 32 files, half of them in a subfolder, an empty
    // folder and a link. Queued as send() does.
    std::uint32_t send_tree(const std::string& name, std::uint64_t seed) {
        const fs::path top = sources_ / name;
        fs::create_directories(top / "sub");
        fs::create_directories(top / "empty");
        for (std::uint64_t i = 0; i < tree_files; ++i)
            write_random_file(top / (i % 2 ? "sub" : ".") / ("part-" + std::to_string(i)),
                              file_size / tree_files, seed + i);
        fs::create_symlink("sub/part-1", top / "latest");
        return queue(name);
    }

    // Sends the folder `name` until the relay holds it at the run's first budget.
    void stop_tree_in_the_middle(const std::string& name, const BreakPoints& points) {
        pair_.relay.hold_after(points.budgets[0]);
        ASSERT_NE(send_tree(name, points.seed), 0u);
        wait_stopped_in_the_middle(name, points.budgets[0], tree_manifest);
    }

    std::uint32_t queue(const std::string& name) {
        RunResult sent = run_streamctl(pair_.sender.bus_address(),
                                       {"send", "--no-block", "--streams", std::to_string(streams),
                                        "--chunk-size", "256K", (sources_ / name).string(),
                                        pair_.relay.endpoint()});
        EXPECT_TRUE(succeeded(sent)) << pair_.logs();
        auto ids = queued_ids(sent);
        EXPECT_TRUE(ids && ids->size() == 1) << sent.describe();
        return ids && ids->size() == 1 ? ids->front() : 0;
    }

    // Waits until the relay holds every stream of `name` at `budget` bytes and the receiver has
    // written and verified every whole chunk those bytes carry: the transfer is stopped in the
    // middle, with nothing but one partial chunk per stream in flight.
    //
    // The first stream of a folder also carries its manifest, of at most `manifest` bytes: it
    // may then hold one whole chunk more than waited for.
    void wait_stopped_in_the_middle(const std::string& name, std::uint64_t budget,
                                    std::uint64_t manifest = 0) {
        // A stream's first bytes are its preamble and OFFER or JOIN (after the TLS handshake);
        // each chunk has a header.
        const std::uint64_t start = wire_ == Wire::Plain ? 512 : 2048;
        const std::uint64_t whole_chunks = (budget - start) / on_the_wire(chunk + 32);
        const std::uint64_t first_chunks = (budget - start - manifest) / on_the_wire(chunk + 32);
        const std::uint64_t expected = ((streams - 1) * whole_chunks + first_chunks) * chunk;
        ASSERT_TRUE(wait_until([&] {
            for (const auto& row : pair_.receiver_bus.list_transfers())
                if (row.name == name && row.state == "running" && row.bytes_done >= expected) {
                    auto c = pair_.relay.counts();
                    return c.open == streams && c.held == streams;
                }
            return false;
        })) << "want "
            << expected << " bytes on the receiver\n"
            << describe(pair_.receiver_bus.list_transfers()) << pair_.logs();
    }

    // Waits until the relay has dropped every connection of a killed daemon, so that what the
    // other side still had in its socket buffers is not let through by a release() after.
    void wait_path_closed() {
        EXPECT_TRUE(pair_.relay.wait_until([](const TcpRelay::Counts& c) { return c.open == 0; },
                                           generous_deadline))
            << pair_.logs();
    }

    // The bytes the receiver holds of `name` once its transfer failed there.
    std::uint64_t kept_after_failure(const std::string& name) {
        std::uint64_t kept = 0;
        EXPECT_TRUE(wait_until([&] {
            for (const auto& row : pair_.receiver_bus.list_transfers())
                if (row.name == name && row.state == "failed") {
                    kept = row.bytes_done;
                    return true;
                }
            return false;
        })) << describe(pair_.receiver_bus.list_transfers())
            << pair_.logs();
        return kept;
    }

    // The receiver killed in the middle of `name`, started again once its connections are
    // gone, and the transfer gone on to its end.
    void kill_and_restart_receiver(const std::string& name) {
        pair_.receiver.kill();
        wait_path_closed();
        pair_.relay.release();
        pair_.receiver.restart();
        wait_sent(name);
    }

    // Waits until the sender lists `name` as done, under whichever id.
    void wait_sent(const std::string& name) {
        EXPECT_TRUE(ended_done(pair_.sender_bus, name)) << pair_.logs();
    }

    void expect_arrived_whole(const std::string& name) {
        EXPECT_EQ(sha256_of(pair_.receiver.incoming() / name), sha256_of(sources_ / name))
            << pair_.logs();
        EXPECT_TRUE(wait_until([&] {
            return entries_in(pair_.receiver.incoming()).size() == delivered_.size() + 1;
        })) << "partial files left: "
            << ::testing::PrintToString(entries_in(pair_.receiver.incoming()));
        delivered_.push_back(name);
    }

    void expect_tree_arrived_whole(const std::string& name) {
        const fs::path got = pair_.receiver.incoming() / name;
        ASSERT_TRUE(fs::is_directory(got)) << pair_.logs();
        EXPECT_EQ(tree_facts(got), tree_facts(sources_ / name)) << pair_.logs();
        EXPECT_EQ(facts_of(got).mtime_seconds, facts_of(sources_ / name).mtime_seconds);
        EXPECT_TRUE(wait_until([&] {
            return entries_in(pair_.receiver.incoming()).size() == delivered_.size() + 1;
        })) << "partials left: "
            << ::testing::PrintToString(entries_in(pair_.receiver.incoming()));
        delivered_.push_back(name);
    }

    std::uint64_t to_receiver() { return pair_.relay.counts().to_server; }

    std::vector<std::string> partials() {
        std::vector<std::string> out;
        for (const auto& e : entries_in(pair_.receiver.incoming()))
            if (e.starts_with(".streamd-")) out.push_back(e);
        return out;
    }

    Wire wire_;
    RelayedPair pair_;
    fixtures::TempDir sources_{"streamd-it-resume"};
    std::vector<std::string> delivered_;
};

// The same over both wires.
class Resumes : public Resume, public ::testing::WithParamInterface<Wire> {
protected:
    Resumes() : Resume(eager_sender(), {}, GetParam()) {}
};

INSTANTIATE_TEST_SUITE_P(Wires, Resumes, ::testing::Values(Wire::Plain, Wire::Tls),
                         [](const ::testing::TestParamInfo<Wire>& info) {
                             return info.param == Wire::Plain ? "Plain" : "Tls";
                         });

TEST_P(Resumes, ConnectionsResetOnThePath) {
    const BreakPoints points = draw_break_points(3);
    SCOPED_TRACE(points.describe());
    for (std::size_t round = 0; round < points.budgets.size(); ++round) {
        const std::uint64_t budget = points.budgets[round];
        SCOPED_TRACE("broken after " + std::to_string(budget) + " bytes per stream");
        const std::string name = "cut-" + std::to_string(round) + ".bin";
        const std::uint64_t before = to_receiver();
        pair_.relay.hold_after(budget);
        ASSERT_NE(send(name, points.seed + round), 0u);
        wait_stopped_in_the_middle(name, budget);
        ASSERT_FALSE(HasFailure());
        pair_.relay.cut();
        pair_.relay.release();
        wait_sent(name);
        expect_arrived_whole(name);
        EXPECT_LE(to_receiver() - before, on_the_wire(file_size + resend_bound)) << pair_.logs();
    }
}

TEST_P(Resumes, ReceiverKilledAndRestarted) {
    const BreakPoints points = draw_break_points(3);
    SCOPED_TRACE(points.describe());
    for (std::size_t round = 0; round < points.budgets.size(); ++round) {
        const std::uint64_t budget = points.budgets[round];
        SCOPED_TRACE("killed after " + std::to_string(budget) + " bytes per stream");
        const std::string name = "receiver-killed-" + std::to_string(round) + ".bin";
        const std::uint64_t before = to_receiver();
        pair_.relay.hold_after(budget);
        ASSERT_NE(send(name, points.seed + round), 0u);
        wait_stopped_in_the_middle(name, budget);
        ASSERT_FALSE(HasFailure());
        kill_and_restart_receiver(name);
        expect_arrived_whole(name);
        EXPECT_LE(to_receiver() - before, on_the_wire(file_size + resend_bound + sync_batch))
            << pair_.logs();
    }
}

TEST_P(Resumes, SenderKilledAndRestartedPicksItsQueueUp) {
    const BreakPoints points = draw_break_points(2);
    SCOPED_TRACE(points.describe());
    for (std::size_t round = 0; round < points.budgets.size(); ++round) {
        const std::uint64_t budget = points.budgets[round];
        SCOPED_TRACE("killed after " + std::to_string(budget) + " bytes per stream");
        const std::string name = "sender-killed-" + std::to_string(round) + ".bin";
        pair_.relay.hold_after(budget);
        ASSERT_NE(send(name, points.seed + round), 0u);
        wait_stopped_in_the_middle(name, budget);
        ASSERT_FALSE(HasFailure());
        pair_.sender.kill();
        // What the dead sender's socket still held flows on; the receiver takes in what it can
        // before the first stream ends and the transfer fails. What it kept is all the restarted
        // sender may leave out.
        pair_.relay.release();
        const std::uint64_t kept = kept_after_failure(name);
        ASSERT_FALSE(HasFailure());
        EXPECT_GT(kept, 0u);
        // The old connections' last bytes are not the restarted sender's.
        wait_path_closed();
        const std::uint64_t before_restart = to_receiver();
        pair_.sender.restart();
        wait_sent(name);
        expect_arrived_whole(name);
        EXPECT_LE(to_receiver() - before_restart, on_the_wire(file_size - kept + 64 * KiB))
            << pair_.logs();
    }
}

// A folder's journal records each chunk once verified, so a killed receiver loses only what
// was in flight (and, at a budget where the manifest cost the first stream a chunk, one more).
TEST_P(Resumes, ATreeGoesOnWhereItStoppedAfterItsReceiverIsKilled) {
    const BreakPoints points = draw_break_points(1);
    SCOPED_TRACE(points.describe());
    const std::string name = "tree-receiver-killed";
    const std::uint64_t before = to_receiver();
    stop_tree_in_the_middle(name, points);
    ASSERT_FALSE(HasFailure());
    kill_and_restart_receiver(name);
    expect_tree_arrived_whole(name);
    EXPECT_LE(to_receiver() - before,
              on_the_wire(file_size + resend_bound + chunk + 2 * tree_manifest))
        << pair_.logs();
}

// The sender keeps no folder in its state: after its kill the user sends the folder again, and
// the receiver takes what it kept over for the new transfer.
TEST_P(Resumes, ATreeSentAgainAfterItsSenderIsKilledSendsOnlyWhatIsMissing) {
    const BreakPoints points = draw_break_points(1);
    SCOPED_TRACE(points.describe());
    const std::string name = "tree-sender-killed";
    stop_tree_in_the_middle(name, points);
    ASSERT_FALSE(HasFailure());
    pair_.sender.kill();
    pair_.relay.release();
    const std::uint64_t kept = kept_after_failure(name);
    ASSERT_FALSE(HasFailure());
    EXPECT_GT(kept, 0u);
    wait_path_closed();
    pair_.sender.restart();
    const std::uint64_t before = to_receiver();
    RunResult again = run_streamctl(pair_.sender.bus_address(),
                                    {"send", "--streams", std::to_string(streams), "--chunk-size",
                                     "256K", (sources_ / name).string(), pair_.relay.endpoint()});
    ASSERT_TRUE(succeeded(again)) << again.describe() << pair_.logs();
    expect_tree_arrived_whole(name);
    EXPECT_LE(to_receiver() - before, on_the_wire(file_size - kept + tree_manifest + 64 * KiB))
        << pair_.logs();
    EXPECT_NE(pair_.receiver.log(200).find("taken over from"), std::string::npos) << pair_.logs();
}

// systemctl stop: SIGTERM pauses what runs, so that it resumes after the start.
TEST_P(Resumes, ReceiverStoppedBySigtermResumesAfterItsStart) {
    const std::uint64_t budget = 2 * MiB;
    const std::string name = "receiver-stopped.bin";
    const std::uint64_t before = to_receiver();
    pair_.relay.hold_after(budget);
    ASSERT_NE(send(name, 51), 0u);
    wait_stopped_in_the_middle(name, budget);
    ASSERT_FALSE(HasFailure());
    ExitStatus stopped = pair_.receiver.stop();
    EXPECT_TRUE(stopped.success()) << stopped.describe() << pair_.logs();
    EXPECT_NE(pair_.receiver.notifications().received().find("STOPPING=1"), std::string::npos);
    EXPECT_EQ(partials().size(), 2u) << ::testing::PrintToString(partials());
    wait_path_closed();
    pair_.relay.release();
    pair_.receiver.restart();
    wait_sent(name);
    expect_arrived_whole(name);
    EXPECT_LE(to_receiver() - before, on_the_wire(file_size + resend_bound)) << pair_.logs();
}

TEST_P(Resumes, SenderStoppedBySigtermGoesOnAfterItsStart) {
    const std::uint64_t budget = 2 * MiB;
    const std::string name = "sender-stopped.bin";
    pair_.relay.hold_after(budget);
    ASSERT_NE(send(name, 52), 0u);
    wait_stopped_in_the_middle(name, budget);
    ASSERT_FALSE(HasFailure());
    ExitStatus stopped = pair_.sender.stop();
    EXPECT_TRUE(stopped.success()) << stopped.describe() << pair_.logs();
    pair_.relay.release();
    // The receiver sees its streams end without a CANCEL: it keeps the partial file.
    const std::uint64_t kept = kept_after_failure(name);
    ASSERT_FALSE(HasFailure());
    EXPECT_EQ(partials().size(), 2u) << ::testing::PrintToString(partials());
    wait_path_closed(); // the old connections' last bytes are not the restarted sender's
    const std::uint64_t before_start = to_receiver();
    pair_.sender.restart();
    wait_sent(name);
    expect_arrived_whole(name);
    EXPECT_LE(to_receiver() - before_start, on_the_wire(file_size - kept + 64 * KiB))
        << pair_.logs();
}

// One transfer at a time: the next one waits in the sender's queue.
class OneAtATime : public Resume {
protected:
    OneAtATime()
        : Resume(StreamdOptions{.max_active = 1, .reconnect_attempts = 60, .reconnect_delay = "0"},
                 StreamdOptions{}) {}
};

TEST_F(OneAtATime, ARestartedSenderPicksUpATransferThatWasStillQueued) {
    const std::uint64_t budget = 2 * MiB;
    pair_.relay.hold_after(budget);
    const std::uint32_t running = send("was-running.bin", 71);
    const std::uint32_t queued = send("was-queued.bin", 72);
    ASSERT_NE(running, 0u);
    ASSERT_NE(queued, 0u);
    wait_stopped_in_the_middle("was-running.bin", budget);
    ASSERT_FALSE(HasFailure());
    auto waiting = pair_.sender_bus.find_transfer(queued);
    ASSERT_TRUE(waiting) << pair_.logs();
    ASSERT_EQ(waiting->state, "queued") << waiting->describe() << pair_.logs();
    const auto offered = pair_.receiver_bus.list_transfers();
    ASSERT_EQ(offered.size(), 1u) << "the queued file reached the receiver\n"
                                  << describe(offered) << pair_.logs();

    pair_.sender.kill();
    // What the dead sender's sockets still held flows on until its streams end; then the
    // receiver keeps what it has for the restarted sender.
    pair_.relay.release();
    EXPECT_GT(kept_after_failure("was-running.bin"), 0u);
    ASSERT_FALSE(HasFailure());
    pair_.sender.restart();
    // The restarted daemon numbers what it picked up afresh, and each number answers.
    const auto picked_up = pair_.sender_bus.list_transfers();
    EXPECT_EQ(picked_up.size(), 2u) << describe(picked_up);
    for (const TransferRow& t : picked_up) {
        RunResult status =
            run_streamctl(pair_.sender.bus_address(), {"status", std::to_string(t.id)});
        EXPECT_TRUE(status.status.success()) << status.describe();
    }
    wait_sent("was-running.bin");
    wait_sent("was-queued.bin");
    for (const std::string name : {"was-running.bin", "was-queued.bin"})
        EXPECT_EQ(sha256_of(pair_.receiver.incoming() / name), sha256_of(sources_ / name))
            << name << "\n"
            << pair_.logs();
    // Each arrived once, under its own name, and nothing was left behind.
    EXPECT_TRUE(wait_until([&] { return partials().empty(); }))
        << ::testing::PrintToString(entries_in(pair_.receiver.incoming()));
    EXPECT_EQ(entries_in(pair_.receiver.incoming()),
              (std::vector<std::string>{"was-queued.bin", "was-running.bin"}));
}

class StalledPeer : public Resume {
protected:
    StalledPeer()
        : Resume(StreamdOptions{.reconnect_attempts = 60,
                                .reconnect_delay = "0",
                                .limits = "idle_timeout = 1\n"},
                 StreamdOptions{}) {}
};

TEST_F(StalledPeer, ASenderWhosePeerStopsReadingConnectsAgainAndFinishes) {
    const std::uint64_t budget = MiB;
    pair_.relay.hold_after(budget);
    ASSERT_NE(send("stalled.bin", 41), 0u);
    wait_stopped_in_the_middle("stalled.bin", budget);
    ASSERT_FALSE(HasFailure());
    // Nothing moves for the sender's idle_timeout: it gives its streams up and opens new ones,
    // which the relay holds in turn.
    ASSERT_TRUE(pair_.relay.wait_until(
        [](const TcpRelay::Counts& c) { return c.accepted >= 2 * streams; }, generous_deadline))
        << pair_.logs();
    pair_.relay.release();
    wait_sent("stalled.bin");
    expect_arrived_whole("stalled.bin");
    EXPECT_NE(pair_.sender.log(200).find("no progress with"), std::string::npos) << pair_.logs();
    // Every set of streams given up lost what it had in flight, and only that. The first was
    // stopped with its whole chunks written: one partial chunk per stream. A later set given up
    // before the release may have had chunks in flight unwritten, so it may lose all it
    // delivered. The last set sends only what is missing.
    const std::uint64_t sets = (pair_.relay.counts().accepted + streams - 1) / streams;
    const std::uint64_t later_sets = sets > 2 ? sets - 2 : 0;
    EXPECT_LE(to_receiver(), file_size + resend_bound + later_sets * streams * budget)
        << sets << " sets of streams\n"
        << pair_.logs();
}

// A sender that does not try again: its failure leaves a partial file on the receiver.
class KeptPartial : public Resume {
protected:
    KeptPartial() : Resume(StreamdOptions{.reconnect_attempts = 0}, StreamdOptions{}) {}

    // Sends `name` until the path breaks; the sender fails and the receiver keeps the partial.
    void break_off(const std::string& name, std::uint64_t seed) {
        pair_.relay.hold_after(3 * MiB);
        const std::uint32_t id = send(name, seed);
        ASSERT_NE(id, 0u);
        wait_stopped_in_the_middle(name, 3 * MiB);
        ASSERT_FALSE(HasFailure());
        pair_.relay.cut();
        pair_.relay.release();
        auto end = wait_until_finished(pair_.sender_bus, id);
        ASSERT_TRUE(end.row) << end.report << pair_.logs();
        EXPECT_EQ(end.row->state, "failed") << end.row->describe();
        ASSERT_TRUE(wait_until([&] { return partials().size() == 2; }))
            << ::testing::PrintToString(entries_in(pair_.receiver.incoming())) << pair_.logs();
    }

    // The same file again, as a user would after a failure: a new transfer.
    void send_again(const std::string& name) {
        RunResult again =
            run_streamctl(pair_.sender.bus_address(),
                          {"send", "--streams", std::to_string(streams), "--chunk-size", "256K",
                           (sources_ / name).string(), pair_.relay.endpoint()});
        ASSERT_TRUE(succeeded(again)) << again.describe() << pair_.logs();
    }

    fs::path kept(const std::string& suffix) {
        for (const auto& p : partials())
            if (p.ends_with(suffix)) return pair_.receiver.incoming() / p;
        return {};
    }
};

TEST_F(KeptPartial, SendingTheFileAgainResumesIt) {
    break_off("again.bin", 11);
    ASSERT_FALSE(HasFailure());
    const std::uint64_t before = to_receiver();
    send_again("again.bin");
    expect_arrived_whole("again.bin");
    // At least the 3 MiB per stream that made it the first time were not sent again.
    EXPECT_LE(to_receiver() - before, file_size - 2 * MiB) << pair_.logs();
}

TEST_F(KeptPartial, ADamagedJournalStartsOver) {
    break_off("damaged-journal.bin", 12);
    ASSERT_FALSE(HasFailure());
    {
        std::fstream journal(kept(".journal"), std::ios::in | std::ios::out | std::ios::binary);
        journal.seekp(0);
        journal.put('X');
    }
    const std::uint64_t before = to_receiver();
    send_again("damaged-journal.bin");
    expect_arrived_whole("damaged-journal.bin");
    EXPECT_GE(to_receiver() - before, file_size);
    EXPECT_NE(pair_.receiver.log(200).find("cannot be resumed"), std::string::npos) << pair_.logs();
}

TEST_F(KeptPartial, DataThatDisagreesWithTheJournalIsSentAgain) {
    break_off("damaged-data.bin", 13);
    ASSERT_FALSE(HasFailure());
    {
        // The first chunk is in the journal; its bytes on disk no longer match.
        std::fstream part(kept(".part"), std::ios::in | std::ios::out | std::ios::binary);
        part.seekp(100);
        part.put('\xFF').put('\x00').put('\x7F');
    }
    const std::uint64_t kept = kept_after_failure("damaged-data.bin");
    ASSERT_FALSE(HasFailure());
    const std::uint64_t before = to_receiver();
    send_again("damaged-data.bin");
    expect_arrived_whole("damaged-data.bin");
    // Only the damaged chunk comes again besides what never arrived: every other chunk the
    // journal holds still agrees with its bytes.
    EXPECT_LE(to_receiver() - before, file_size - kept + chunk + 64 * KiB) << pair_.logs();
}

TEST_F(KeptPartial, APartialOfAnotherVersionOfTheFileIsNotUsed) {
    break_off("changed.bin", 14);
    ASSERT_FALSE(HasFailure());
    const auto left = partials();
    // Same name and size, other bytes and mtime: the kept partial is not this file's.
    write_random_file(sources_ / "changed.bin", file_size, 99);
    const std::uint64_t before = to_receiver();
    send_again("changed.bin");
    EXPECT_EQ(sha256_of(pair_.receiver.incoming() / "changed.bin"),
              sha256_of(sources_ / "changed.bin"));
    EXPECT_GE(to_receiver() - before, file_size);
    // Still there for its own file, until it expires.
    EXPECT_EQ(partials(), left);
}

class ExpiringPartial : public Resume {
protected:
    ExpiringPartial()
        : Resume(StreamdOptions{.reconnect_attempts = 0}, StreamdOptions{.partial_ttl = "1"}) {}
};

TEST_F(ExpiringPartial, PartialFilesUntouchedForTheirTimeAreRemoved) {
    pair_.relay.hold_after(3 * MiB);
    const std::uint32_t id = send("expires.bin", 21);
    ASSERT_NE(id, 0u);
    wait_stopped_in_the_middle("expires.bin", 3 * MiB);
    ASSERT_FALSE(HasFailure());
    // Held, the transfer writes nothing for longer than the time to live, and keeps its file.
    EXPECT_FALSE(partials().empty());
    pair_.relay.cut();
    pair_.relay.release();
    ASSERT_TRUE(wait_until_finished(pair_.sender_bus, id).row);
    EXPECT_TRUE(wait_until([&] { return partials().empty(); }))
        << ::testing::PrintToString(entries_in(pair_.receiver.incoming())) << pair_.logs();
}

TEST(ResumeLimits, ASenderGivesUpAfterItsAttempts) {
    RelayedPair pair(StreamdOptions{.reconnect_attempts = 2, .reconnect_delay = "0"});
    fixtures::TempDir files("streamd-it-resume");
    write_random_file(files / "gone.bin", file_size, 31);
    pair.relay.hold_after(2 * MiB);
    RunResult sent = run_streamctl(pair.sender.bus_address(),
                                   {"send", "--no-block", "--chunk-size", "256K",
                                    (files / "gone.bin").string(), pair.relay.endpoint()});
    ASSERT_TRUE(succeeded(sent)) << sent.describe();
    auto ids = queued_ids(sent);
    ASSERT_TRUE(ids && ids->size() == 1);
    ASSERT_TRUE(wait_until([&] {
        auto rows = pair.receiver_bus.list_transfers();
        return rows.size() == 1 && rows[0].bytes_done > 0;
    })) << pair.logs();
    pair.receiver.kill();
    pair.relay.cut();
    auto end = wait_until_finished(pair.sender_bus, ids->front());
    ASSERT_TRUE(end.row) << end.report << pair.logs();
    EXPECT_EQ(end.row->state, "failed");
    EXPECT_NE(end.row->error.find("gave up after 2 more attempts"), std::string::npos)
        << end.row->describe();
}

} // namespace
} // namespace streamd::it

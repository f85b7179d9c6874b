// The two data paths on a real worker, a loopback TCP connection and a real file: every
// byte lands where it belongs, spliced or copied, with the digest of what went through,
// and nothing beyond the range is read or sent.
#include "digest.hpp"
#include "engine/connection.hpp"
#include "engine/file_to_socket.hpp"
#include "engine/socket_to_file.hpp"
#include "engine/step.hpp"
#include "engine/worker.hpp"
#include "running_worker.hpp"
#include "temp_dir.hpp"

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace streamd {
namespace {

using namespace harness;

// Several rounds through a 64 KiB pipe or the two 1 MiB buffers, and a short last one.
constexpr uint64_t kLength = 2600 * 1024 + 123;
constexpr uint64_t kOffset = 3 * 4096;
constexpr size_t kSmallPipe = 64 * 1024;

WorkerSettings spliced() {
    return {.pipe_size = kSmallPipe, .use_splice = true};
}
WorkerSettings copied() {
    return {.pipe_size = kSmallPipe, .use_splice = false};
}

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
    std::mt19937 random(seed);
    std::vector<uint8_t> v(n);
    for (auto& b : v)
        b = static_cast<uint8_t>(random());
    return v;
}

UniqueFd create_file(const std::filesystem::path& path, const std::vector<uint8_t>& content) {
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) fail_errno("open");
    if (::pwrite(fd.get(), content.data(), content.size(), 0) !=
        static_cast<ssize_t>(content.size()))
        fail_errno("pwrite");
    return fd;
}

std::vector<uint8_t> file_content(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) fail_errno("fstat");
    std::vector<uint8_t> v(static_cast<size_t>(st.st_size));
    if (::pread(fd, v.data(), v.size(), 0) != static_cast<ssize_t>(v.size())) fail_errno("pread");
    return v;
}

// Where a mover ended, reported from the worker's thread.
class Outcome {
public:
    void finish(Step step, uint64_t digest, std::string failure, bool file_failed,
                std::unique_ptr<Transport> wire = {}) {
        std::lock_guard lock(mutex_);
        if (step_) return; // the first end counts
        step_ = step;
        digest_ = digest;
        failure_ = std::move(failure);
        file_failed_ = file_failed;
        wire_ = std::move(wire);
        cv_.notify_all();
    }
    // False when the mover has not ended within kPatience.
    bool wait() {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, kPatience, [&] { return step_.has_value(); });
    }
    // These after wait().
    Step step() const { return *step_; }
    uint64_t digest() const { return digest_; }
    const std::string& failure() const { return failure_; }
    bool file_failed() const { return file_failed_; }
    int socket() const { return wire_->socket(); }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::optional<Step> step_;
    uint64_t digest_ = 0;
    std::string failure_;
    bool file_failed_ = false;
    std::unique_ptr<Transport> wire_;
};

struct Range {
    int file;
    uint64_t offset;
    uint64_t length;
};

// Receives one range into a file, as ReceiveStream receives a chunk. Once done it
// gives its socket back, for the test to see what was left unread.
class IntoFile final : public Connection {
public:
    IntoFile(Worker& w, UniqueFd socket, Range range, bool hash, Outcome& outcome)
        : Connection(w, std::make_unique<PlainSocket>(std::move(socket))), range_(range),
          hash_(hash), outcome_(outcome) {}

    void start() override { mover_.start(range_.file, range_.offset, range_.length, hash_); }
    uint32_t transfer_id() const override { return 0; }
    void internal_error(const std::string& what) override {
        outcome_.finish(Step::Failed, 0, "internal error: " + what, false);
    }
    void check_time(Clock::time_point) override {}

private:
    void on_socket_read(int res) override { settle(mover_.on_socket_read(res)); }
    void on_file_write(int res) override { settle(mover_.on_file_write(res)); }

    void settle(Step step) {
        if (step == Step::Going) return;
        std::unique_ptr<Transport> wire;
        // Throws when the mover still has an operation in flight after its last step.
        if (step == Step::Done)
            wire = give_up_transport();
        else
            close();
        outcome_.finish(step, mover_.digest(), mover_.failure(), mover_.file_failed(),
                        std::move(wire));
    }

    Range range_;
    bool hash_;
    Outcome& outcome_;
    SocketToFile mover_{*this};
};

// Sends one range of a file, as SendStream sends a chunk, then closes.
class FromFile final : public Connection {
public:
    FromFile(Worker& w, UniqueFd socket, Range range, Outcome& outcome)
        : Connection(w, std::make_unique<PlainSocket>(std::move(socket))), range_(range),
          outcome_(outcome) {}

    void start() override { mover_.start(range_.file, range_.offset, range_.length); }
    uint32_t transfer_id() const override { return 0; }
    void internal_error(const std::string& what) override {
        outcome_.finish(Step::Failed, 0, "internal error: " + what, false);
    }
    void check_time(Clock::time_point) override {}

private:
    void on_file_read(int res) override { settle(mover_.on_file_read(res)); }
    void on_socket_write(int res) override { settle(mover_.on_socket_write(res)); }

    void settle(Step step) {
        if (step == Step::Going) return;
        outcome_.finish(step, 0, mover_.failure(), mover_.file_failed());
        close();
    }

    Range range_;
    Outcome& outcome_;
    FileToSocket mover_{*this};
};

// Adopts a C made of `socket` and `args` (copied: pass what C keeps a reference to with
// std::ref) on the worker's thread.
template <typename C, typename... Args>
void adopt(RunningWorker& worker, UniqueFd socket, Args... args) {
    auto fd = std::make_shared<UniqueFd>(std::move(socket));
    worker.post(
        [fd, args...](Worker& w) { w.adopt(std::make_unique<C>(w, std::move(*fd), args...)); });
}

// Sends a range's bytes and then the next frame's into a socket, receives the range into
// a file that held other bytes, and checks the file, the digest and what is left unread.
void receive_into_file(WorkerSettings settings, bool hash) {
    fixtures::TempDir dir;
    const auto data = pattern(kLength, 1);
    const auto after = bytes_of("the next frame");
    // Every byte of the file set beforehand, so that a byte written astray shows.
    std::vector<uint8_t> before(kOffset + kLength + 5000, 0xEE);
    UniqueFd file = create_file(dir / "partial", before);
    auto [ours, theirs] = tcp_pair();
    Outcome outcome;
    bool sent = false;
    std::jthread sender; // joined after the worker is gone, which ends a send that hangs
    RunningWorker worker(settings);

    Range range{file.get(), kOffset, kLength};
    adopt<IntoFile>(worker, std::move(theirs), range, hash, std::ref(outcome));
    sender =
        std::jthread([&, fd = ours.get()] { sent = send_all(fd, data) && send_all(fd, after); });
    ASSERT_TRUE(outcome.wait()) << "the mover never finished";
    sender.join();
    EXPECT_TRUE(sent);
    ASSERT_EQ(outcome.step(), Step::Done) << outcome.failure();
    EXPECT_EQ(outcome.failure(), "");

    auto expected = before;
    std::copy(data.begin(), data.end(), expected.begin() + kOffset);
    const auto content = file_content(file.get());
    ASSERT_EQ(content.size(), expected.size());
    EXPECT_TRUE(content == expected) << "the file does not hold the data at its offset";
    if (hash) {
        EXPECT_EQ(outcome.digest(), proto::chunk_digest(data));
    }
    // Not a byte beyond the range was taken from the socket.
    EXPECT_EQ(receive(outcome.socket(), after.size()), after);
}

TEST(SocketToFile, SplicesTheBytesIntoTheFileAtTheOffset) {
    receive_into_file(spliced(), false);
}

// Hashed bytes go through buffers even where splice works.
TEST(SocketToFile, HashedBytesAreHashedOnTheWayWhereSpliceWorks) {
    receive_into_file(spliced(), true);
}

TEST(SocketToFile, CopiesTheBytesIntoTheFileAtTheOffsetWithoutSplice) {
    receive_into_file(copied(), false);
}

TEST(SocketToFile, CopiedBytesAreHashedOnTheWay) {
    receive_into_file(copied(), true);
}

// The peer sends half the range and closes.
void peer_gone_in_the_middle(WorkerSettings settings, bool hash) {
    fixtures::TempDir dir;
    const auto data = pattern(kLength / 2, 2);
    UniqueFd file = create_file(dir / "partial", {});
    auto [ours, theirs] = tcp_pair();
    Outcome outcome;
    RunningWorker worker(settings);

    Range range{file.get(), 0, kLength};
    adopt<IntoFile>(worker, std::move(theirs), range, hash, std::ref(outcome));
    ASSERT_TRUE(send_all(ours.get(), data));
    ASSERT_EQ(::shutdown(ours.get(), SHUT_WR), 0);
    ASSERT_TRUE(outcome.wait()) << "the mover never finished";
    EXPECT_EQ(outcome.step(), Step::Failed);
    EXPECT_NE(outcome.failure(), "");
    EXPECT_FALSE(outcome.file_failed()) << outcome.failure();
    // What did come is in the file, where it belongs.
    auto content = file_content(file.get());
    content.resize(std::min(content.size(), data.size()));
    EXPECT_TRUE(std::equal(content.begin(), content.end(), data.begin()));
}

TEST(SocketToFile, APeerGoneInTheMiddleFailsTheConnectionNotTheFile) {
    peer_gone_in_the_middle(spliced(), true);
}

TEST(SocketToFile, APeerGoneInTheMiddleFailsTheConnectionNotTheFileWhenSpliced) {
    peer_gone_in_the_middle(spliced(), false);
}

TEST(SocketToFile, APeerGoneInTheMiddleFailsTheConnectionNotTheFileWithoutSplice) {
    peer_gone_in_the_middle(copied(), true);
}

// Sends `length` bytes of a file from `offset` and checks that exactly those arrive.
void send_from_file(WorkerSettings settings, uint64_t offset) {
    fixtures::TempDir dir;
    const auto content = pattern(offset + kLength + 5000, 3);
    UniqueFd file = create_file(dir / "source", content);
    auto [ours, theirs] = tcp_pair();
    Outcome outcome;
    RunningWorker worker(settings);

    Range range{file.get(), offset, kLength};
    adopt<FromFile>(worker, std::move(theirs), range, std::ref(outcome));
    const auto got = receive(ours.get(), kLength);
    ASSERT_TRUE(outcome.wait()) << "the mover never finished";
    EXPECT_EQ(outcome.step(), Step::Done) << outcome.failure();
    ASSERT_EQ(got.size(), kLength);
    EXPECT_TRUE(
        std::equal(got.begin(), got.end(), content.begin() + static_cast<ptrdiff_t>(offset)))
        << "the bytes received are not the file's range";
    // Nothing after the range: the connection closes right after its last byte.
    EXPECT_TRUE(reads_end(ours.get())) << "more than the range was sent";
}

TEST(FileToSocket, SplicesTheRangeOfTheFileToTheSocket) {
    send_from_file(spliced(), kOffset);
}

TEST(FileToSocket, CopiesTheRangeOfTheFileToTheSocketWithoutSplice) {
    send_from_file(copied(), kOffset);
}

TEST(FileToSocket, SendsARangeAtAnOffsetOffAPage) {
    send_from_file(spliced(), 1001);
    send_from_file(copied(), 1001);
}

// A file that ends 1000 bytes into the range it was to send.
void file_shorter_than_the_range(WorkerSettings settings) {
    fixtures::TempDir dir;
    const auto content = pattern(kOffset + 1000, 4);
    UniqueFd file = create_file(dir / "source", content);
    auto [ours, theirs] = tcp_pair();
    Outcome outcome;
    RunningWorker worker(settings);

    Range range{file.get(), kOffset, kLength};
    adopt<FromFile>(worker, std::move(theirs), range, std::ref(outcome));
    const auto got = receive(ours.get(), kLength); // what comes before the close
    ASSERT_TRUE(outcome.wait()) << "the mover never finished";
    EXPECT_EQ(outcome.step(), Step::Failed);
    EXPECT_TRUE(outcome.file_failed()) << outcome.failure();
    EXPECT_EQ(got, std::vector<uint8_t>(content.begin() + kOffset, content.end()));
}

TEST(FileToSocket, AFileShorterThanTheRangeFailsTheFile) {
    file_shorter_than_the_range(spliced());
}

TEST(FileToSocket, AFileShorterThanTheRangeFailsTheFileWithoutSplice) {
    file_shorter_than_the_range(copied());
}

// The peer is gone before the range is sent.
void peer_gone(WorkerSettings settings) {
    fixtures::TempDir dir;
    UniqueFd file = create_file(dir / "source", pattern(kLength, 5));
    // A local socket fails the first send after its peer is gone; TCP might take a few.
    auto [ours, theirs] = unix_pair();
    ours.reset();
    Outcome outcome;
    RunningWorker worker(settings);

    Range range{file.get(), 0, kLength};
    adopt<FromFile>(worker, std::move(theirs), range, std::ref(outcome));
    ASSERT_TRUE(outcome.wait()) << "the mover never finished";
    EXPECT_EQ(outcome.step(), Step::Failed);
    EXPECT_FALSE(outcome.file_failed()) << outcome.failure();
}

TEST(FileToSocket, APeerGoneFailsTheConnectionNotTheFile) {
    peer_gone(spliced());
}

TEST(FileToSocket, APeerGoneFailsTheConnectionNotTheFileWithoutSplice) {
    peer_gone(copied());
}

} // namespace
} // namespace streamd

// The zero-copy ceiling for one file between two processes over loopback TCP:
// the sender sendfile()s from the page cache, the receiver splices socket → pipe →
// file. No protocol, no digests: what streamd is measured against.
//
//   splice_copy SOURCE DEST [SENDER_CORE RECEIVER_CORE]
//
// prints "BYTES SECONDS SENDER_CPU RECEIVER_CPU" on stdout; with cores given, each end
// runs on its own, as it would on its own machine.
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

double cpu_seconds(const rusage& u) {
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return secs(u.ru_utime) + secs(u.ru_stime);
}

void pin(const char* core) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(std::atoi(core), &set);
    ::sched_setaffinity(0, sizeof set, &set);
}

[[noreturn]] void die(const char* what) {
    std::perror(what);
    std::exit(1);
}

void receive(int listener, const char* dest) {
    int sock = ::accept(listener, nullptr, nullptr);
    int out = ::open(dest, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int p[2];
    if (sock < 0 || out < 0 || ::pipe(p) != 0) die("receiver set-up");
    ::fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    for (;;) {
        ssize_t n = ::splice(sock, nullptr, p[1], nullptr, 1 << 20, SPLICE_F_MOVE);
        if (n < 0) die("splice from socket");
        if (n == 0) break;
        while (n > 0) {
            ssize_t w =
                ::splice(p[0], nullptr, out, nullptr, static_cast<size_t>(n), SPLICE_F_MOVE);
            if (w <= 0) die("splice to file");
            n -= w;
        }
    }
    ::close(out);
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3 && argc != 5) {
        std::fprintf(stderr, "usage: splice_copy SOURCE DEST [SENDER_CORE RECEIVER_CORE]\n");
        return 2;
    }
    int in = ::open(argv[1], O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (in < 0 || ::fstat(in, &st) != 0) die(argv[1]);

    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(listener, 1) != 0 ||
        ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        die("listen");

    auto start = std::chrono::steady_clock::now();
    pid_t child = ::fork();
    if (child == 0) {
        if (argc == 5) pin(argv[4]);
        receive(listener, argv[2]);
        std::_Exit(0);
    }
    if (argc == 5) pin(argv[3]);
    int sock = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::connect(sock, reinterpret_cast<sockaddr*>(&addr), len) != 0) die("connect");
    off_t off = 0;
    while (off < st.st_size) {
        ssize_t n = ::sendfile(sock, in, &off, static_cast<size_t>(st.st_size - off));
        if (n <= 0) die("sendfile");
    }
    ::close(sock);
    int status = 0;
    rusage receiver{}, sender{};
    ::wait4(child, &status, 0, &receiver);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ::getrusage(RUSAGE_SELF, &sender);
    std::printf("%lld %.6f %.6f %.6f\n", static_cast<long long>(st.st_size), secs,
                cpu_seconds(sender), cpu_seconds(receiver));
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

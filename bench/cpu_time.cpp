#include "cpu_time.hpp"

#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace streamd::bench {

namespace {

// Fields 14 to 17 of /proc/PID/stat: utime, stime, and the same for reaped children.
double stat_seconds(pid_t pid, bool with_reaped_children) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return 0;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i)
        fields >> skip;
    unsigned long long utime = 0, stime = 0, cutime = 0, cstime = 0;
    fields >> utime >> stime >> cutime >> cstime;
    auto ticks = utime + stime + (with_reaped_children ? cutime + cstime : 0);
    return static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

} // namespace

double process_cpu_seconds(pid_t pid) {
    return stat_seconds(pid, false);
}

double process_tree_cpu_seconds(pid_t pid) {
    // Servers that fork per connection (rsync, whose child forks again) have often
    // reaped those children by the time we look: count what each process reaped, and
    // descend into the children still running.
    double total = stat_seconds(pid, true);
    std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                           "/children");
    pid_t child;
    while (children >> child)
        total += process_tree_cpu_seconds(child);
    return total;
}

double reaped_children_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_CHILDREN, &u);
    auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return secs(u.ru_utime) + secs(u.ru_stime);
}

} // namespace streamd::bench

// CPU time spent by the processes on both ends of a transfer.
#pragma once

#include <sys/types.h>
#include <vector>

namespace streamd::bench {

// user + system seconds of a running process and all its threads (the kernel's io_uring
// workers are threads of the process, so their time counts).
double process_cpu_seconds(pid_t pid);
// The same for a process and all its descendants, running or reaped (a server's
// workers and per-connection processes).
double process_tree_cpu_seconds(pid_t pid);
// user + system seconds of every child this process has reaped so far.
double reaped_children_cpu_seconds();

} // namespace streamd::bench

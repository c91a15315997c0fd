// What the OS can tell about this process's threads: how often they were switched out, and
// which limits bound how many of them can exist.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rt::os {

struct ContextSwitches {
  std::uint64_t voluntary;    // the thread blocked (waited on a futex, slept, did I/O)
  std::uint64_t involuntary;  // the scheduler preempted it (time slice over, higher priority)
};

// Totals over every thread of this process, living or ended (getrusage(RUSAGE_SELF) on Linux
// and macOS). nullopt on Windows, whose documented APIs report no such counts.
std::optional<ContextSwitches> context_switches();

struct Limit {
  std::string name;   // "RLIMIT_NPROC (ulimit -u)"
  std::string value;  // "96365", or "unlimited"
  std::string what;   // one line: what it bounds
};

// The limits that bound how many threads this process can create, with their current values.
std::vector<Limit> thread_limits();

}  // namespace rt::os

#include <sys/resource.h>

#include <fstream>

#include "rt/os/system.hpp"

namespace rt::os {

namespace {

std::string read_first_line(const char* path) {
  std::ifstream file(path);
  std::string line;
  if (!std::getline(file, line)) return "unknown";
  return line;
}

std::string rlimit_text(int resource) {
  rlimit limit{};
  if (getrlimit(resource, &limit) != 0) return "unknown";
  return limit.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(limit.rlim_cur);
}

}  // namespace

std::optional<ContextSwitches> context_switches() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return std::nullopt;
  return ContextSwitches{static_cast<std::uint64_t>(usage.ru_nvcsw),
                         static_cast<std::uint64_t>(usage.ru_nivcsw)};
}

std::vector<Limit> thread_limits() {
  return {
      {"RLIMIT_NPROC (ulimit -u)", rlimit_text(RLIMIT_NPROC),
       "threads + processes of this user (Linux counts threads as tasks)"},
      {"kernel.threads-max", read_first_line("/proc/sys/kernel/threads-max"),
       "threads on the whole machine"},
      {"kernel.pid_max", read_first_line("/proc/sys/kernel/pid_max"),
       "thread ids are pids: live tasks on the machine"},
      {"vm.max_map_count", read_first_line("/proc/sys/vm/max_map_count"),
       "memory mappings per process; each thread stack takes 2 (stack + guard)"},
      {"RLIMIT_AS (ulimit -v)", rlimit_text(RLIMIT_AS),
       "address space; each thread reserves its whole stack"},
  };
}

}  // namespace rt::os

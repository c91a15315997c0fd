#include <sys/resource.h>
#include <sys/sysctl.h>

#include "rt/os/system.hpp"

namespace rt::os {

namespace {

std::string sysctl_text(const char* name) {
  int value = 0;
  size_t size = sizeof value;
  if (sysctlbyname(name, &value, &size, nullptr, 0) != 0) return "unknown";
  return std::to_string(value);
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
      {"kern.num_taskthreads", sysctl_text("kern.num_taskthreads"), "threads per process"},
      {"kern.num_threads", sysctl_text("kern.num_threads"), "threads on the whole machine"},
  };
}

}  // namespace rt::os

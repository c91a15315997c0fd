#include <windows.h>

#include "rt/os/system.hpp"

namespace rt::os {

std::optional<ContextSwitches> context_switches() {
  // Per-thread switch counts exist only behind NtQuerySystemInformation, which Microsoft
  // documents as subject to change; the repository uses documented APIs only.
  return std::nullopt;
}

std::vector<Limit> thread_limits() {
  MEMORYSTATUSEX memory{};
  memory.dwLength = sizeof memory;
  GlobalMemoryStatusEx(&memory);
  return {
      {"address space", std::to_string(memory.ullTotalVirtual >> 20) + " MiB",
       "each thread reserves its whole stack (1 MiB by default)"},
      {"commit limit", std::to_string(memory.ullTotalPageFile >> 20) + " MiB",
       "each thread commits its first stack pages and kernel structures"},
  };
}

}  // namespace rt::os

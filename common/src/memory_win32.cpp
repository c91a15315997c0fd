#include <windows.h>
// psapi.h after windows.h; K32GetProcessMemoryInfo lives in kernel32 (no psapi.lib needed).
#include <psapi.h>

#include "rt/memory.hpp"

namespace rt {

std::size_t page_size() {
  static const std::size_t size = [] {  // asked once
    SYSTEM_INFO info;
    GetSystemInfo(&info);
    return static_cast<std::size_t>(info.dwPageSize);
  }();
  return size;
}

std::optional<std::size_t> resident_bytes() {
  PROCESS_MEMORY_COUNTERS counters{};
  counters.cb = sizeof counters;
  if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &counters, sizeof counters)) {
    return std::nullopt;
  }
  return counters.WorkingSetSize;
}

std::optional<std::size_t> system_kernel_stack_bytes() {
  return std::nullopt;
}

}  // namespace rt

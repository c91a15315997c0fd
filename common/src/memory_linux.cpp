#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "rt/memory.hpp"

namespace rt {

std::size_t page_size() {
  static const auto size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));  // asked once
  return size;
}

std::optional<std::size_t> resident_bytes() {
  // statm: size resident shared text lib data dt, in pages.
  std::ifstream statm("/proc/self/statm");
  std::size_t size = 0;
  std::size_t resident = 0;
  if (!(statm >> size >> resident)) return std::nullopt;
  return resident * page_size();
}

std::optional<std::size_t> system_kernel_stack_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib) {
    std::getline(meminfo, unit);
    if (key == "KernelStack:") return kib * 1024;
  }
  return std::nullopt;
}

}  // namespace rt

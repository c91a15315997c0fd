#include <mach/mach.h>
#include <unistd.h>

#include "rt/memory.hpp"

namespace rt {

std::size_t page_size() {
  static const auto size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));  // asked once
  return size;
}

std::optional<std::size_t> resident_bytes() {
  mach_task_basic_info_data_t info{};
  mach_msg_type_number_t count = MACH_TASK_BASIC_INFO_COUNT;
  if (task_info(mach_task_self(), MACH_TASK_BASIC_INFO, reinterpret_cast<task_info_t>(&info),
                &count) != KERN_SUCCESS) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(info.resident_size);
}

std::optional<std::size_t> system_kernel_stack_bytes() {
  return std::nullopt;
}

}  // namespace rt

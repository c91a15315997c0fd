// `many`: thousands of fibers alive at once, each parked after its first run. What each
// costs: the address space its stack reserves, and the memory that actually becomes
// resident (the pages its stack touched, plus the bookkeeping).
#include <cerrno>
#include <stdexcept>

#include "demos.hpp"
#include "measure.hpp"
#include "rt/error.hpp"
#include "rt/table.hpp"

namespace ch03 {

void many(const ManyOptions& options, rt::Output& out) {
  out.print("{} fibers with {} KiB stacks, all alive at once\n", options.count, options.stack_kib);
  MemoryPerFiber r;
  try {
    r = memory_per_fiber(options.count, options.stack_kib * 1024);
  } catch (const rt::OsError& e) {
    if (e.code() != ENOMEM) throw;
    // The usual cause is not memory: each guarded stack is two mappings (guard + usable),
    // and Linux allows a process vm.max_map_count of them (65530 by default).
    throw std::runtime_error(fmt::format(
        "{}: the OS refused another stack mapping; on Linux see /proc/sys/vm/max_map_count "
        "(each fiber's stack is 2 mappings)",
        e.what()));
  }
  out.print("  spawn: {} per fiber (stack allocation included)\n",
            rt::format_duration_ns(r.create_ns));
  out.print("  stack reserved per fiber: {} (address space, guard page included)\n",
            rt::format_bytes(static_cast<double>(r.stack_reserved)));
  if (r.resident) {
    out.print("  resident per parked fiber: {}\n", rt::format_bytes(*r.resident));
  } else {
    out.print("  resident per parked fiber: n/a (this OS does not report it)\n");
  }
  out.print("all {} fibers unparked and finished\n", r.fibers);
}

}  // namespace ch03

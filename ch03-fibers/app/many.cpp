// `many`: thousands of fibers alive at once, each parked after its first run. What each
// costs: the address space its stack reserves, and the memory that actually becomes
// resident (the pages its stack touched, plus the bookkeeping).
#include "demos.hpp"
#include "measure.hpp"
#include "rt/table.hpp"

namespace ch03 {

void many(const ManyOptions& options, rt::Output& out) {
  out.print("{} fibers with {} KiB stacks{}, all alive at once\n", options.count, options.stack_kib,
            options.no_guard ? " (no guard pages)" : "");
  // If the OS runs out of mappings (Linux: vm.max_map_count), spawn throws
  // rt::fiber::StackRefused, whose message names the limit and --no-guard.
  MemoryPerFiber r = memory_per_fiber(
      options.count, options.stack_kib * 1024,
      options.no_guard ? rt::fiber::StackGuard::none : rt::fiber::StackGuard::page);
  out.print("  spawn: {} per fiber (stack allocation included)\n",
            rt::format_duration_ns(r.create_ns));
  out.print("  stack reserved per fiber: {} (address space{})\n",
            rt::format_bytes(static_cast<double>(r.stack_reserved)),
            options.no_guard ? "" : ", guard page included");
  if (r.resident) {
    out.print("  resident per parked fiber: {}\n", rt::format_bytes(*r.resident));
  } else {
    out.print("  resident per parked fiber: n/a (this OS does not report it)\n");
  }
  out.print("all {} fibers unparked and finished\n", r.fibers);
}

}  // namespace ch03

// `spawn`: what creating a thread costs, in time and in memory.
#include "demos.hpp"
#include "rt/os/cost.hpp"
#include "rt/progress.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"
#include "rt/terminal.hpp"

namespace ch01 {

void spawn(const SpawnOptions& options, rt::Output& out) {
  std::size_t stack_size = options.stack_kib * 1024;
  std::string stack_text = options.stack_kib == 0 ? "the default stack"
                                                  : fmt::format("{} KiB stacks", options.stack_kib);

  out.print("spawn and join {} threads with {}, one at a time\n", options.count, stack_text);
  rt::Progress progress("spawning", options.count);
  auto timing = rt::os::spawn_join(
      options.count, stack_size,
      [](std::size_t done, void* p) { static_cast<rt::Progress*>(p)->update(done); }, &progress);
  progress.finish();
  rt::Summary s = rt::summarize(timing.samples_ns);
  out.print("  per thread: median {}, p99 {}, min {}\n", rt::format_duration_ns(s.median),
            rt::format_duration_ns(s.p99), rt::format_duration_ns(s.min));

  out.print("\nstart {} threads with {} and keep them all alive, waiting\n", options.count,
            stack_text);
  auto memory = rt::os::memory_per_thread(options.count, stack_size);
  out.print("  stack reserved per thread: {}  (address space; the OS's own figure)\n",
            rt::format_bytes(static_cast<double>(memory.stack_reserved)));
  if (memory.resident) {
    out.print("  resident per thread:       {}  (growth of this process's resident set / {})\n",
              rt::format_bytes(*memory.resident), memory.threads);
  }
  if (memory.kernel_stack) {
    out.print("  kernel stack per thread:   {}  (growth of /proc/meminfo KernelStack / {})\n",
              rt::format_bytes(*memory.kernel_stack), memory.threads);
  }
}

}  // namespace ch01

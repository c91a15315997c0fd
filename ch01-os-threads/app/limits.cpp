// `limits`: create threads until the OS refuses or --max exist, all alive at once; then
// release and join every one of them. Shows which limit bounds threads on this OS.
#include <optional>
#include <string>
#include <vector>

#include "demos.hpp"
#include "rt/clock.hpp"
#include "rt/error.hpp"
#include "rt/memory.hpp"
#include "rt/os/latch.hpp"
#include "rt/os/system.hpp"
#include "rt/os/thread.hpp"
#include "rt/platform.hpp"
#include "rt/progress.hpp"
#include "rt/table.hpp"
#include "rt/terminal.hpp"

namespace ch01 {

void limits(const LimitsOptions& options, rt::Output& out) {
  out.print("creating threads with {} KiB stacks until the OS refuses or {} exist (--max)\n",
            options.stack_kib, options.max);
  rt::os::Latch release(1);
  std::vector<rt::os::Thread> threads;
  threads.reserve(options.max);
  std::string stopped_by = fmt::format("reached --max {}", options.max);
  auto resident_before = rt::resident_bytes();
  rt::Stopwatch clock;
  {
    rt::Progress progress("threads alive", options.max);
    while (threads.size() < options.max) {
      if (rt::interrupted()) {
        stopped_by = "interrupted (Ctrl-C)";
        break;
      }
      try {
        threads.emplace_back(rt::os::ThreadOptions{.stack_size = options.stack_kib * 1024},
                             [&release] { release.wait(); });
      } catch (const rt::OsError& e) {
        stopped_by = fmt::format("the OS refused thread {}: {}", threads.size() + 1, e.what());
        break;
      }
      progress.update(threads.size());
    }
  }
  double elapsed_ns = static_cast<double>(clock.elapsed_ns());
  auto resident_after = rt::resident_bytes();
  out.print("  {} threads alive at once, created in {} ({} each)\n", threads.size(),
            rt::format_duration_ns(elapsed_ns),
            rt::format_duration_ns(threads.empty() ? 0 : elapsed_ns / threads.size()));
  out.print("  stopped: {}\n", stopped_by);
  if (resident_before && resident_after) {
    out.print("  resident set grew by {} for them\n",
              rt::format_bytes(static_cast<double>(*resident_after) -
                               static_cast<double>(*resident_before)));
  }

  release.count_down();
  for (auto& thread : threads) thread.join();
  out.print("  all {} threads released and joined\n\n", threads.size());

  rt::Table table(fmt::format("limits on the number of threads ({})", rt::kOsName),
                  {"limit", "value", "what it bounds"});
  for (const auto& limit : rt::os::thread_limits()) {
    table.add_row({limit.name, limit.value, limit.what});
  }
  table.print(out);
}

}  // namespace ch01

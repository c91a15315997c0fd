// `switch`: a round trip between two fibers, at each layer, next to chapter 1's round trip
// between two threads.
#include <algorithm>

#include "demos.hpp"
#include "measure.hpp"
#include "rt/os/cost.hpp"
#include "rt/table.hpp"

namespace ch03 {

void switch_demo(const SwitchOptions& options, rt::Output& out) {
  const auto n = options.round_trips;
  out.print("{} round trips each\n", n);
  double context = context_round_trip_ns(n);
  out.print("  {:<40} {:>9}  ({} per switch_context)\n", "two bare contexts (switch_context)",
            rt::format_duration_ns(context), rt::format_duration_ns(context / 2));
  double yield = yield_round_trip_ns(n);
  out.print("  {:<40} {:>9}  (2 switches: fiber to fiber)\n", "two fibers (this_fiber::yield)",
            rt::format_duration_ns(yield));
  // Threads are three orders of magnitude slower: fewer round trips keep the demo short.
  auto thread_round_trips = std::max<std::uint64_t>(1, n / 20);
  auto thread = thread_round_trip(thread_round_trips);
  out.print("  {:<40} {:>9}  ({} round trips, {}, chapter 1)\n",
            "two OS threads (futex / WaitOnAddress)", rt::format_duration_ns(thread.ns),
            thread.round_trips, thread.placement);
  if (yield > 0) {
    out.print("a fiber round trip is {:.0f}x cheaper than a thread round trip {}\n",
              thread.ns / yield, thread.placement);
  }
}

}  // namespace ch03

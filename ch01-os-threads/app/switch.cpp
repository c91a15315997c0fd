// `switch`: two threads pass a token back and forth; how long a round trip takes, and how
// many times the OS switched a thread out to make it happen.
#include "demos.hpp"
#include "rt/os/cost.hpp"
#include "rt/table.hpp"

namespace ch01 {

void switch_demo(const SwitchOptions& options, rt::Output& out) {
  out.print("two threads pass a token back and forth {} times{}\n", options.round_trips,
            options.cpu ? fmt::format(", both pinned to CPU {}", *options.cpu) : "");
  for (auto handoff : rt::os::kAllHandoffs) {
    const char* why = nullptr;
    if (!rt::os::available(handoff, &why)) {
      out.print("  {:<27} {}\n", rt::os::to_string(handoff), why);
      continue;
    }
    auto r = rt::os::ping_pong(handoff, options.round_trips, options.cpu);
    out.print("  {:<27} round trip {:>9}", rt::os::to_string(handoff),
              rt::format_duration_ns(r.round_trip_ns));
    if (r.switches && r.round_trips > 0) {
      auto n = static_cast<double>(r.round_trips);
      out.print("   context switches per round trip: {:.2f} voluntary, {:.2f} involuntary\n",
                static_cast<double>(r.switches->voluntary) / n,
                static_cast<double>(r.switches->involuntary) / n);
    } else {
      out.print("   (this OS does not report context switches)\n");
    }
  }
}

}  // namespace ch01

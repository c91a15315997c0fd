// `order`: three fibers on one thread take turns. Unlike chapter 1's threads, the order is
// not up to an OS scheduler: each fiber runs until it yields, and the next ready one runs.
// Then the same three park and are unparked C, B, A: they resume in exactly that order.
#include <string>
#include <vector>

#include "demos.hpp"
#include "rt/fiber/scheduler.hpp"

namespace ch03 {

void order(const OrderOptions& options, rt::Output& out) {
  namespace this_fiber = rt::fiber::this_fiber;
  rt::fiber::Scheduler scheduler;
  std::string trace;
  for (const char* name : {"A", "B", "C"}) {
    scheduler.spawn({.name = name}, [&, steps = options.steps] {
      for (int step = 1; step <= steps; ++step) {
        out.print("  fiber {} step {}\n", this_fiber::name(), step);
        trace += this_fiber::name();
        this_fiber::yield();
      }
    });
  }
  out.print("round robin: three fibers, {} steps each, yield after every step\n", options.steps);
  scheduler.run();
  out.print("order: {}   ({} context switches, one thread)\n", trace, scheduler.switches());

  trace.clear();
  std::vector<rt::fiber::Fiber*> parked;
  for (const char* name : {"A", "B", "C"}) {
    parked.push_back(&scheduler.spawn({.name = name}, [&] {
      this_fiber::park();
      trace += this_fiber::name();
    }));
  }
  scheduler.run();
  out.print("park: A, B and C parked ({} alive); unparking C, B, A\n", scheduler.alive());
  for (auto it = parked.rbegin(); it != parked.rend(); ++it) scheduler.unpark(**it);
  scheduler.run();
  out.print("resume order: {}\n", trace);
}

}  // namespace ch03

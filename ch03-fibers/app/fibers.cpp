// `fibers`: the tiny runtime at work. Three fibers on one thread take turns: the order is
// the program's, not an OS scheduler's (each runs until it yields, then the next ready one
// runs). Then three park and are unparked C, B, A: they resume in exactly that order. Last,
// an exception escapes a fiber and is rethrown where it is joined.
#include <stdexcept>
#include <string>
#include <vector>

#include "demos.hpp"
#include "rt/fiber/scheduler.hpp"

namespace ch03 {

void fibers(const FibersOptions& options, rt::Output& out) {
  namespace this_fiber = rt::fiber::this_fiber;
  rt::fiber::Scheduler scheduler;
  std::string trace;
  std::vector<rt::fiber::JoinHandle> handles;
  for (const char* name : {"A", "B", "C"}) {
    handles.push_back(scheduler.spawn({.name = name}, [&, steps = options.steps] {
      for (int step = 1; step <= steps; ++step) {
        out.print("  fiber {} step {}\n", this_fiber::name(), step);
        trace += this_fiber::name();
        this_fiber::yield();
      }
    }));
  }
  out.print("round robin: three fibers, {} steps each, yield after every step\n", options.steps);
  for (auto& handle : handles) handle.join();  // the first join runs them all
  out.print("order: {}   ({} context switches, one thread)\n", trace, scheduler.switches());

  trace.clear();
  std::vector<rt::fiber::Fiber*> parked;
  for (const char* name : {"A", "B", "C"}) {
    parked.push_back(&scheduler
                          .spawn({.name = name},
                                 [&] {
                                   this_fiber::park();
                                   trace += this_fiber::name();
                                 })
                          .fiber());
  }
  scheduler.run();
  out.print("park: A, B and C parked ({} alive); unparking C, B, A\n", scheduler.alive());
  for (auto it = parked.rbegin(); it != parked.rend(); ++it) scheduler.unpark(**it);
  scheduler.run();
  out.print("resume order: {}\n", trace);

  auto failing = scheduler.spawn({.name = "D"}, [] {
    this_fiber::yield();
    throw std::runtime_error("D gave up");
  });
  try {
    failing.join();
    out.print("join: fiber D finished without an exception\n");
  } catch (const std::exception& e) {
    out.print("join: fiber D threw \"{}\" on its own stack; join rethrew it here\n", e.what());
  }
}

}  // namespace ch03

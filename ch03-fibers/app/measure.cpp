#include "measure.hpp"

#include <stdexcept>

#include "rt/clock.hpp"
#include "rt/fiber/context.hpp"
#include "rt/fiber/exception_state.hpp"
#include "rt/fiber/scheduler.hpp"
#include "rt/fiber/stack.hpp"
#include "rt/memory.hpp"
#include "rt/os/cost.hpp"
#include "rt/os/thread.hpp"

namespace ch03 {

namespace {

struct Bouncer {
  rt::fiber::Stack stack{64 * 1024};
  rt::fiber::Context main;
  rt::fiber::Context context;
  std::uint64_t round_trips = 0;

  static void start(void* self_address) {
    auto* self = static_cast<Bouncer*>(self_address);
    for (std::uint64_t i = 0; i < self->round_trips; ++i) {
      rt::fiber::switch_context(self->context, self->main);
    }
    rt::fiber::exit_context(self->context, self->main);
  }
};

}  // namespace

double context_round_trip_ns(std::uint64_t round_trips) {
  Bouncer bouncer;
  bouncer.round_trips = round_trips;
  bouncer.context = rt::fiber::make_context(bouncer.stack, &Bouncer::start, &bouncer);
  rt::Stopwatch clock;
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    rt::fiber::switch_context(bouncer.main, bouncer.context);
  }
  double ns = static_cast<double>(clock.elapsed_ns());
  rt::fiber::switch_context(bouncer.main, bouncer.context);  // lets it exit
  rt::fiber::destroy_context(bouncer.context);
  return ns / static_cast<double>(round_trips);
}

double context_round_trip_with_exception_state_ns(std::uint64_t round_trips) {
  Bouncer bouncer;
  bouncer.round_trips = round_trips;
  bouncer.context = rt::fiber::make_context(bouncer.stack, &Bouncer::start, &bouncer);
  rt::fiber::ExceptionState main_state, bouncer_state;
  rt::Stopwatch clock;
  for (std::uint64_t i = 0; i < round_trips; ++i) {
    // Both switches' exchanges happen on this side; the cost is the same as on either side.
    rt::fiber::ThreadExceptionState().exchange(main_state, bouncer_state);
    rt::fiber::switch_context(bouncer.main, bouncer.context);
    rt::fiber::ThreadExceptionState().exchange(bouncer_state, main_state);
  }
  double ns = static_cast<double>(clock.elapsed_ns());
  rt::fiber::switch_context(bouncer.main, bouncer.context);  // lets it exit
  rt::fiber::destroy_context(bouncer.context);
  return ns / static_cast<double>(round_trips);
}

double yield_round_trip_ns(std::uint64_t round_trips) {
  rt::fiber::Scheduler scheduler;
  for (const char* name : {"ping", "pong"}) {
    scheduler.spawn({.name = name, .stack_size = 64 * 1024}, [round_trips] {
      for (std::uint64_t i = 0; i < round_trips; ++i) rt::fiber::this_fiber::yield();
    });
  }
  rt::Stopwatch clock;
  scheduler.run();
  return static_cast<double>(clock.elapsed_ns()) / static_cast<double>(round_trips);
}

double spawn_run_join_ns(std::size_t count, std::size_t stack_size) {
  rt::fiber::Scheduler scheduler;
  std::uint64_t sum = 0;
  rt::Stopwatch clock;
  for (std::size_t i = 0; i < count; ++i) {
    scheduler.spawn({.name = "short", .stack_size = stack_size}, [&sum, i] { sum += i; }).join();
  }
  auto ns = static_cast<double>(clock.elapsed_ns());
  if (sum != count * (count - 1) / 2) throw std::logic_error("a short fiber did not run");
  return ns / static_cast<double>(count);
}

MemoryPerFiber memory_per_fiber(std::size_t count, std::size_t stack_size,
                                rt::fiber::StackGuard guard) {
  rt::fiber::Scheduler scheduler;
  std::vector<rt::fiber::Fiber*> fibers;
  fibers.reserve(count);
  auto before = rt::resident_bytes();
  rt::Stopwatch clock;
  for (std::size_t i = 0; i < count; ++i) {
    fibers.push_back(&scheduler
                          .spawn({.name = "idle", .stack_size = stack_size, .guard = guard},
                                 [] { rt::fiber::this_fiber::park(); })
                          .fiber());
  }
  MemoryPerFiber result;
  result.create_ns = static_cast<double>(clock.elapsed_ns()) / static_cast<double>(count);
  scheduler.run();  // each runs until it parks: its stack has been touched
  auto after = rt::resident_bytes();
  result.fibers = scheduler.alive();
  result.stack_reserved = fibers.empty() ? 0 : fibers.front()->stack().reserved_size();
  if (before && after && count > 0) {
    result.resident =
        (static_cast<double>(*after) - static_cast<double>(*before)) / static_cast<double>(count);
  }
  for (auto* fiber : fibers) scheduler.unpark(*fiber);
  scheduler.run();
  return result;
}

ThreadRoundTrip thread_round_trip(std::uint64_t round_trips) {
  bool pin = rt::os::supports_pinning();
  auto r = rt::os::ping_pong(rt::os::Handoff::address_wait, round_trips,
                             pin ? std::optional<int>(0) : std::nullopt);
  return {r.round_trip_ns, r.round_trips, pin ? "on one CPU" : "unpinned (this OS cannot pin)"};
}

}  // namespace ch03

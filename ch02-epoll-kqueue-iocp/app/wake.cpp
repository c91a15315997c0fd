// `wake`: a thread blocked in Poller::wait is woken by another thread through the Waker;
// the time from wake() to the blocked wait returning is the wake latency.
#include <array>
#include <atomic>
#include <thread>
#include <vector>

#include "demos.hpp"
#include "measure.hpp"
#include "rt/clock.hpp"
#include "rt/os/thread.hpp"
#include "rt/stats.hpp"
#include "rt/table.hpp"
#include "rt/terminal.hpp"

namespace ch02 {

std::vector<double> wake_latencies(int count, int settle_us) {
  rt::poll::Poller poller;
  std::vector<double> samples(static_cast<std::size_t>(count));
  // The handshake, per round r: the waiter stores r in `ready` (release) right before it
  // blocks; the waker sees it (acquire), gives the waiter `settle_us` to enter the kernel,
  // stamps `woken_at` and wakes. Only the stamp's value matters for the figure; whether the
  // waiter was really asleep yet is what settle_us makes likely (it cannot be observed).
  std::atomic<int> ready{-1};
  std::atomic<std::int64_t> woken_at{0};  // relaxed: ordered by the kernel queue (poller.hpp)
  // Ctrl-C: the waker lowers `rounds` to the round it stopped at and wakes once more; that
  // wake tells the waiter to stop instead of being measured.
  std::atomic<int> rounds{count};
  rt::os::Thread waiter({.name = "ch02-waiter"}, [&] {
    std::array<rt::poll::Event, 4> events;
    for (int r = 0; r < count; ++r) {
      ready.store(r, std::memory_order_release);  // pairs with the waker's acquire load
      while (poller.wait(events, std::nullopt) == 0) {
      }
      if (r >= rounds.load(std::memory_order_acquire)) break;  // pairs with the Ctrl-C store
      const std::int64_t stamp = woken_at.load(std::memory_order_relaxed);  // ordered by wait()
      samples[static_cast<std::size_t>(r)] = static_cast<double>(rt::now_ns() - stamp);
    }
  });
  for (int r = 0; r < count; ++r) {
    while (ready.load(std::memory_order_acquire) != r) {  // pairs with the waiter's release
      std::this_thread::yield();
    }
    // Only now, with the previous wake consumed (the waiter has moved on to round r), may a
    // stop wake be sent: sent earlier, it would coalesce with the unconsumed wake of round
    // r - 1, and the waiter would block in round r with no wake left to end it.
    if (rt::interrupted()) {
      rounds.store(r, std::memory_order_release);  // pairs with the waiter's acquire load
      poller.wake();
      break;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(settle_us));
    woken_at.store(rt::now_ns(), std::memory_order_relaxed);  // ordered by wake() -> wait()
    poller.wake();
  }
  waiter.join();
  samples.resize(static_cast<std::size_t>(rounds.load(std::memory_order_relaxed)));
  return samples;
}

void wake(const WakeOptions& options, rt::Output& out) {
  out.print(
      "a thread blocks in Poller::wait ({}); another wakes it {} times, each after giving "
      "it {} us to fall asleep\n",
      rt::poll::Poller::backend_name(), options.count, options.settle_us);
  auto samples = wake_latencies(options.count, options.settle_us);
  rt::Summary s = rt::summarize(samples);
  out.print("  woken {} of {} times{}\n", samples.size(), options.count,
            samples.size() < static_cast<std::size_t>(options.count)
                ? " (stopped by Ctrl-C)"
                : " (a lost wake would hang here, not be counted)");
  if (samples.empty()) return;
  out.print("  wake() -> wait returns: median {}, p99 {}, min {}, max {}\n",
            rt::format_duration_ns(s.median), rt::format_duration_ns(s.p99),
            rt::format_duration_ns(s.min), rt::format_duration_ns(s.max));
}

}  // namespace ch02

#include "rt/os/cost.hpp"

#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "rt/clock.hpp"
#include "rt/memory.hpp"
#include "rt/os/address_wait.hpp"
#include "rt/os/latch.hpp"
#include "rt/os/thread.hpp"
#include "rt/os/thread_pool.hpp"

namespace rt::os {

const char* to_string(Handoff handoff) {
  switch (handoff) {
    case Handoff::condition_variable:
      return "mutex + condition_variable";
    case Handoff::atomic_wait:
      return "std::atomic wait/notify";
    case Handoff::address_wait:
      return address_wait_mechanism();
  }
  return "?";
}

bool available(Handoff handoff, const char** why) {
  if (handoff == Handoff::atomic_wait && !kStdAtomicWaitIsReliable) {
    if (why != nullptr) {
      *why = "skipped: std::atomic::wait in MinGW's libstdc++ loses wakeups (see the README)";
    }
    return false;
  }
  return true;
}

namespace {

// Whose turn it is. The token starts with ping; stop tells pong to finish.
enum Turn : std::uint32_t { kPing = 0, kPong = 1, kStop = 2 };

// Invariant for all three protocols: only the thread whose turn it is changes `turn`, and it
// always hands the turn over (ping -> pong, pong -> ping) or ends the game (ping -> stop).
// A waiter re-checks `turn` under the same synchronisation it was changed with, so a
// notification that comes before the wait cannot be lost.

struct CondvarGame {
  std::mutex mutex;
  std::condition_variable changed;
  Turn turn = kPing;  // guarded by mutex

  void pass(Turn to) {
    {
      std::lock_guard lock(mutex);
      turn = to;
    }
    changed.notify_one();  // after unlocking, so the woken thread need not block on mutex
  }
  Turn wait_while(Turn current) {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return turn != current; });
    return turn;
  }
};

struct AtomicGame {
  std::atomic<std::uint32_t> turn{kPing};

  void pass(Turn to) {
    turn.store(to, std::memory_order_release);  // release: pairs with the acquire in wait_while
    turn.notify_one();
  }
  Turn wait_while(Turn current) {
    // wait() returns only once the value differs from `current` (it re-checks after every
    // wakeup, spurious or not), so a store + notify before the wait is never lost.
    turn.wait(current, std::memory_order_acquire);
    return static_cast<Turn>(turn.load(std::memory_order_acquire));
  }
};

// The same protocol on the OS primitive that std::atomic::wait is built on.
struct AddressWaitGame {
  std::atomic<std::uint32_t> turn{kPing};

  void pass(Turn to) {
    turn.store(to, std::memory_order_release);  // release: pairs with the acquire below
    wake_one(turn);
  }
  Turn wait_while(Turn current) {
    std::uint32_t now;
    // The kernel re-checks `turn` atomically with sleeping, so a pass() between this load
    // and the sleep makes wait_on_address return at once instead of sleeping forever.
    while ((now = turn.load(std::memory_order_acquire)) == current) {
      wait_on_address(turn, current);
    }
    return static_cast<Turn>(now);
  }
};

template <class Game>
double play(std::uint64_t round_trips, std::optional<int> cpu) {
  Game game;
  Thread pong({.name = "pong", .cpu = cpu}, [&game] {
    for (;;) {
      Turn turn = game.wait_while(kPing);
      if (turn == kStop) return;
      game.pass(kPing);
    }
  });
  double elapsed_ns = 0;
  {
    // Pin the measuring thread too; restore nothing afterwards since it is a fresh thread.
    Thread ping({.name = "ping", .cpu = cpu}, [&] {
      Stopwatch watch;
      for (std::uint64_t i = 0; i < round_trips; ++i) {
        game.pass(kPong);
        game.wait_while(kPong);
      }
      elapsed_ns = static_cast<double>(watch.elapsed_ns());
      game.pass(kStop);
    });
    ping.join();
  }
  pong.join();
  return round_trips == 0 ? 0 : elapsed_ns / static_cast<double>(round_trips);
}

}  // namespace

PingPongResult ping_pong(Handoff handoff, std::uint64_t round_trips, std::optional<int> cpu) {
  PingPongResult result;
  result.round_trips = round_trips;
  auto before = context_switches();
  assert(available(handoff));
  switch (handoff) {
    case Handoff::condition_variable:
      result.round_trip_ns = play<CondvarGame>(round_trips, cpu);
      break;
    case Handoff::atomic_wait:
      result.round_trip_ns = play<AtomicGame>(round_trips, cpu);
      break;
    case Handoff::address_wait:
      result.round_trip_ns = play<AddressWaitGame>(round_trips, cpu);
      break;
  }
  auto after = context_switches();
  if (before && after) {
    result.switches = ContextSwitches{after->voluntary - before->voluntary,
                                      after->involuntary - before->involuntary};
  }
  return result;
}

SpawnJoinResult spawn_join(std::size_t count, std::size_t stack_size,
                           void (*on_progress)(std::size_t, void*), void* context) {
  SpawnJoinResult result;
  result.samples_ns.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Stopwatch watch;
    Thread thread({.stack_size = stack_size}, [] {});
    thread.join();
    result.samples_ns.push_back(static_cast<double>(watch.elapsed_ns()));
    if (on_progress) on_progress(i + 1, context);
  }
  return result;
}

std::vector<double> pool_task(std::size_t count) {
  std::vector<double> samples;
  samples.reserve(count);
  ThreadPool pool(1);
  for (std::size_t i = 0; i < count; ++i) {
    Stopwatch watch;
    Latch done(1);
    pool.submit([&done] { done.count_down(); });
    done.wait();
    samples.push_back(static_cast<double>(watch.elapsed_ns()));
  }
  return samples;
}

MemoryPerThread memory_per_thread(std::size_t count, std::size_t stack_size) {
  MemoryPerThread result;
  Latch started(count);
  Latch release(1);
  std::atomic<std::size_t> reserved{0};  // relaxed: read after started.wait() synchronises
  std::vector<Thread> threads;
  threads.reserve(count);

  auto resident_before = resident_bytes();
  auto kernel_before = system_kernel_stack_bytes();
  try {
    for (std::size_t i = 0; i < count; ++i) {
      threads.emplace_back(ThreadOptions{.stack_size = stack_size}, [&] {
        reserved.store(this_thread::stack_size().value_or(0), std::memory_order_relaxed);
        started.count_down();
        release.wait();
      });
    }
  } catch (...) {
    // Threads that did start wait on `release`; let them go before reporting the error.
    release.count_down();
    throw;  // ~vector joins them
  }
  started.wait();
  auto resident_after = resident_bytes();
  auto kernel_after = system_kernel_stack_bytes();
  release.count_down();
  for (auto& thread : threads) thread.join();

  auto n = static_cast<double>(count);
  result.threads = count;
  result.stack_reserved = reserved.load(std::memory_order_relaxed);
  if (resident_before && resident_after && count > 0) {
    result.resident = (static_cast<double>(*resident_after) - *resident_before) / n;
  }
  if (kernel_before && kernel_after && count > 0) {
    result.kernel_stack = (static_cast<double>(*kernel_after) - *kernel_before) / n;
  }
  return result;
}

}  // namespace rt::os

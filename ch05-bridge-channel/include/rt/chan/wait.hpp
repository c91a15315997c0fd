// The waiting side of the protocol (waiter.hpp), once for every operation that waits: a send,
// a receive (one list), and a select (one list per case, all sharing one word).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <stop_token>
#include <thread>

#include "rt/chan/endpoint.hpp"
#include "rt/chan/spin.hpp"
#include "rt/chan/waiter.hpp"
#include "rt/clock.hpp"
#include "rt/fence.hpp"

namespace rt::chan {

// How long a party that cannot go on spins before it parks (step 0 below). A wakeup of an
// idle vCPU costs tens of microseconds on the machine the README measured; a handoff seen by
// a spinning party, about half a microsecond.
inline constexpr std::chrono::microseconds kSpinBeforePark{5};
// The longest gap between two looks while spinning, in cpu_relax() calls (an x86 `pause`
// took about 20 ns on the README's machine: some 0.3 us).
inline constexpr int kMaxPausesBetweenLooks = 16;

// Whether spinning can help: another CPU may be running the other party (the process may use
// more than one, rt::os::usable_cpu_count()), and nobody turned the spin off.
bool spin_before_park() noexcept;

// Turns the spin off (or on again) for the whole process, from any thread: for measuring the
// bare park and wake (`bench`'s "no spin" rows). Parties already spinning finish their spin.
void allow_spin_before_park(bool allowed) noexcept;

// The most lists one wait registers on (a select's cases).
inline constexpr std::size_t kMaxWaitLists = 16;

// Waits as a party of `Kind` until what `ready()` checks may hold, registered on every list of
// `lists` (Lists::kCount of them: lists.link(i, node), lists.unlink(i, node) -> false if a
// notifier took the node out; lists.slot(i): where the other side of a rendezvous hands a
// value over (a receive's std::optional, a select send case's value), or nullptr; one list for
// a send or a receive, one per case for a select).
// kShared: some party on another thread may act on these lists (then it spins first, fences,
// and counts atomically; false only for fibers of one loop). Returns the outcome: notified (someone
// changed a list's side: try again), timed_out, cancelled, or idle (withdrawn after the re-check:
// ready(), the deadline or the stop held), or delivered (the other side of a rendezvous handed
// a value over through the slot of list *delivered_at). removed[i] is set to whether a notifier
// or close() took the registration on lists[i] out: that side changed for this party (a select
// passes such a wakeup on if it completes another case). `parks` counts waits that got past their
// re-check.
template <typename Kind, bool kShared, typename Lists, typename Ready>
WaitState wait_on(Lists lists, std::array<bool, Lists::kCount>& removed, Ready ready,
                  const Deadline& deadline, const std::stop_token& stop,
                  std::atomic<std::uint64_t>& parks, std::size_t* delivered_at = nullptr) {
  constexpr bool kMaySpin = kShared && spins_before_park<Kind>();
  // 0. Spin a little first, with more than one CPU, when the other party may run on another
  // CPU (kMaySpin: not for two fibers of one loop, which share a thread, nor for a kind that
  // says spinning never helps it, endpoint.hpp): it may be about to put or take. Bounded, and
  // skipped on one CPU, where it only keeps the other party from running.
  // The gap between two looks doubles, from one pause to kMaxPausesBetweenLooks: ready()
  // reads a cache line the other party writes (a ring's slot), and each look takes it away
  // from that party. Looking every pause, a receiver that drained a stream chases its
  // producer slot by slot and the line crosses between the CPUs for every message; looking
  // less often, it finds several values per line crossed (the README's T2C stream).
  // Once the gap is at its longest, the clock (some 30 ns to read) is read after every look,
  // so the spin ends at most one gap past kSpinBeforePark.
  if (kMaySpin && spin_before_park()) {
    const auto until = rt::Clock::now() + kSpinBeforePark;
    for (int pauses = 1;;) {
      if (ready()) {
        for (bool& r : removed) r = false;
        return WaitState::idle;
      }
      for (int p = 0; p < pauses; ++p) cpu_relax();
      if (pauses < kMaxPausesBetweenLooks) {
        pauses *= 2;
      } else if (rt::Clock::now() >= until) {
        break;
      }
    }
  }
  typename Kind::Parker parker;
  Kind::prepare(parker);
  WaitWord word{raw(WaitState::idle)};
  // Registered before the word says waiting, so that a stop request already made finds the
  // word idle and does nothing here (the re-check sees it): a callback run synchronously by
  // this constructor must not unpark a fiber that is running.
  // The callback alone ends a wait as `cancelled`, and says when it is done with this frame:
  // a waiter woken by it waits for that (settle, below) before ~stop_callback, which would
  // otherwise block on libstdc++'s semaphore until the callback returns. MinGW-w64's
  // libstdc++ builds that semaphore on std::atomic::wait, which loses wakeups under wine
  // (docs/DESIGN.md): a C2C receive cancelled from another thread hung there once, in a
  // ctest run under load.
  std::atomic<bool> callback_done{false};
  std::stop_callback on_stop(stop, [&word, &parker, &callback_done] {
    if (try_end_wait(word, Kind::kWaiting, WaitState::cancelled)) {
      Kind::unpark_from_any_thread(word, parker);
      callback_done.store(true, std::memory_order_release);  // its last touch of this frame
    }
  });
  auto settle = [&callback_done](WaitState outcome) {
    if (outcome == WaitState::cancelled) {
      while (!callback_done.load(std::memory_order_acquire)) std::this_thread::yield();
    }
    return outcome;
  };
  std::array<WaitNode, Lists::kCount> nodes;  // one but for a select: little to clear
  word.store(raw(Kind::kWaiting), std::memory_order_relaxed);
  for (std::size_t i = 0; i < Lists::kCount; ++i) {  // 1. register
    nodes[i].word = &word;
    nodes[i].parker = &parker;
    nodes[i].slot = lists.slot(i);
    nodes[i].word_shared = kShared || stop.stop_possible();
    lists.link(i, nodes[i]);
  }
  // After this, no party touches the nodes (each list's lock orders its last touch before the
  // unlink), so delivered_here can be read.
  auto unlink_all = [&] {
    for (std::size_t i = 0; i < Lists::kCount; ++i) {
      removed[i] = !lists.unlink(i, nodes[i]);
      if (nodes[i].delivered_here && delivered_at != nullptr) *delivered_at = i;
    }
  };
  // seq_cst: registration, then the re-check (pairs with the notifiers' fence after a change).
  // Two fibers of one loop need none, unless a stop request may come from another thread.
  // kShared, not kMaySpin: a kind that does not spin (chapter 6's M:N fiber) still has a
  // notifier on another thread, and without this fence both sides can miss each other.
  if (kShared || stop.stop_possible()) rt::store_load_fence();
  if (ready() || stop.stop_requested() || deadline.passed()) {
    unlink_all();  // 2. the re-check found it: withdraw
    std::uint32_t expected = raw(Kind::kWaiting);
    if (!kShared && !stop.stop_possible()) {  // only this thread touches the word
      expected = word.load(std::memory_order_relaxed);
      if (expected == raw(Kind::kWaiting)) return WaitState::idle;
    } else if (word.compare_exchange_strong(expected, raw(WaitState::idle),
                                            std::memory_order_acq_rel, std::memory_order_acquire)) {
      return WaitState::idle;
    }
    Kind::take_stale_unpark(parker);  // someone ended the wait first: its unpark is coming
    return settle(static_cast<WaitState>(expected));
  }
  // After this, only others end the wait. One thread (kShared false): a plain increment.
  if constexpr (kShared) {
    parks.fetch_add(1, std::memory_order_relaxed);
  } else {
    parks.store(parks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  Kind::park(word, parker, deadline);  // 3. park
  unlink_all();  // notifiers took theirs out already; a deadline or a stop took none
  // The stop_callback's destructor waits for a callback running on another thread, so the
  // word outlives every party that may touch it (settle makes that wait a formality).
  return settle(static_cast<WaitState>(word.load(std::memory_order_acquire)));
}

}  // namespace rt::chan

// The waiter: one state machine for every way a channel operation waits (send, receive,
// their deadlines and stop tokens, close), and the list a channel keeps of its waiters.
//
// The protocol (checked by spin: ../../../model/waiter.pml, and README "The protocol"):
//   to wait:   1. register (word := waiting, node linked),  seq_cst fence,
//              2. re-check what it waits for, and its deadline and stop token; if any holds,
//                 withdraw (CAS waiting -> idle; if that fails, someone ended the wait: take
//                 that outcome) and go back,
//              3. park until the word is no longer waiting.
//   to notify: change the channel first (put, take, close), seq_cst fence, then end a wait
//              only if one is registered: CAS waiting -> notified, and wake its owner.
// Exactly one party ends each wait: a notifier, the deadline, the stop token or close each
// try the CAS from `waiting`, and only the first succeeds; the winner alone wakes the owner.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <type_traits>

#include "rt/chan/spin.hpp"

namespace rt::chan {

// The waiter's word. One per waiting operation; lives in the waiting party's frame.
enum class WaitState : std::uint32_t {
  idle,            // not waiting: before it registers, and after it took its outcome
  thread_waiting,  // registered by an OS thread, which sleeps in the OS address wait
  fiber_waiting,   // registered by a fiber, which is parked on its loop (or about to park)
  notified,        // a notifier or close() ended the wait: try the operation again
  timed_out,       // the deadline ended the wait: nothing was sent or taken
  cancelled,       // the stop token ended the wait: nothing was sent or taken
  delivered,       // a sender put its value straight into the waiting receiver's slot (a
                   // rendezvous, as Go's sendDirect): the receive is done
};

using WaitWord = std::atomic<std::uint32_t>;  // holds a WaitState (the OS waits on 32 bits)

inline std::uint32_t raw(WaitState state) noexcept {
  return static_cast<std::uint32_t>(state);
}

// The transition every outcome takes: waiting -> outcome, for the one party that gets there
// first. acq_rel: the winner sees what the owner wrote before registering, and the owner,
// after its acquire load of the word, sees what the winner wrote before (the value it put).
inline bool try_end_wait(WaitWord& word, WaitState waiting, WaitState outcome) noexcept {
  std::uint32_t expected = raw(waiting);
  return word.compare_exchange_strong(expected, raw(outcome), std::memory_order_acq_rel,
                                      std::memory_order_relaxed);
}

// One registration of a waiter on one side of one channel (a select registers several, all
// sharing the same word). Intrusive: it lives in the waiting party's frame.
struct WaitNode {
  WaitWord* word = nullptr;
  void* parker = nullptr;  // the endpoint kind's Parker, for the winner's wake
  void* slot = nullptr;    // a rendezvous receive (or select case): its std::optional<T>; a
                           // select's rendezvous send case: its T; for a direct handoff
  // Whether a party on another thread may end this wait (a stop request can come from any
  // thread). False only for a fiber of a C2C channel waiting without a stop token: then the
  // ending needs no compare-and-swap (WaitList<false>::end).
  bool word_shared = true;
  WaitNode* previous = nullptr;
  WaitNode* next = nullptr;
  bool linked = false;  // guarded by the list's lock
  // Set by the party that ended this wait as `delivered` through this node's slot, under the
  // list's lock: the owner reads it after unlinking, and so knows which list (which select
  // case) the value came through.
  bool delivered_here = false;
};

// What a notifier needs to wake the owner of a node whose wait it ended: copied while the
// node is still guarded (its owner may leave as soon as the word changes).
struct Woken {
  WaitWord* word;
  void* parker;
};

// The waiters of one side of a channel (its receivers, or its senders), oldest first.
// A short spin lock guards the links; it is taken only on the slow path (a party about to
// park, or a notifier that saw `maybe_waiting()`), never by a send or receive that finds a
// value or a slot, so a burst into an awake receiver never touches it. kShared false: every
// party runs on one thread (two fibers of one loop), and there is nothing to lock.
template <bool kShared>
class WaitList {
 public:
  void link(WaitNode& node) noexcept {
    Guard guard(lock_);
    node.previous = tail_;
    node.next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = &node;
    tail_ = &node;
    node.linked = true;
    count_.store(count_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }

  // Takes `node` out if a notifier has not already; either way it is out afterwards. Returns
  // false if a notifier (or close) had taken it out: this list's side changed for its owner.
  bool unlink(WaitNode& node) noexcept {
    Guard guard(lock_);
    if (!node.linked) return false;
    remove(node);
    return true;
  }

  // True if some waiter may be registered. Relaxed: the caller puts a seq_cst fence between
  // its change to the channel and this read (pairs with the fence after registering).
  bool maybe_waiting() const noexcept { return count_.load(std::memory_order_relaxed) != 0; }

  // Ends the oldest registered wait whose CAS it wins (nodes whose wait another party ended
  // first are dropped on the way: their owners are leaving anyway). Returns what the caller
  // needs to wake its owner, or nothing if nobody was waiting.
  std::optional<Woken> end_one(WaitState waiting, WaitState outcome) noexcept {
    Guard guard(lock_);
    while (WaitNode* node = head_) {
      remove(*node);
      const Woken woken{node->word, node->parker};
      if (end(*node, waiting, outcome)) return woken;
    }
    return std::nullopt;
  }

  // A rendezvous sender with a waiting receiver (Go's sendDirect): ends the oldest waiting
  // receive's wait as `delivered`, then moves `value` into its slot. Every receive registered
  // on a rendezvous has a slot: a plain receive's value, or a select's receive case.
  // CAS first, then the move, both under the lock: the owner reads its slot only after it
  // unlinked (which takes this lock), and a party that loses the CAS never touches the slot
  // (two select cases may share one variable, as `case v = <-a: case v = <-b:` does in Go).
  template <typename T>
  std::optional<Woken> hand_over(WaitState waiting, T& value) noexcept {
    Guard guard(lock_);
    while (WaitNode* node = head_) {
      remove(*node);
      if (!end(*node, waiting, WaitState::delivered)) continue;  // ended otherwise: drop it
      static_cast<std::optional<T>*>(node->slot)->emplace(std::move(value));
      node->delivered_here = true;
      return Woken{node->word, node->parker};
    }
    return std::nullopt;
  }

  // The other direction, for a rendezvous receiver and a select waiting to send (Go's recv
  // from a parked sender): ends the oldest offer's wait as `delivered`, then moves its value
  // into `into`. Same locking argument as hand_over.
  template <typename T>
  std::optional<Woken> take_offer(WaitState waiting, std::optional<T>& into) noexcept {
    Guard guard(lock_);
    while (WaitNode* node = head_) {
      remove(*node);
      if (!end(*node, waiting, WaitState::delivered)) continue;
      into.emplace(std::move(*static_cast<T*>(node->slot)));
      node->delivered_here = true;
      return Woken{node->word, node->parker};
    }
    return std::nullopt;
  }

  // Calls `look(node)` for the oldest registration whose wait is still `waiting`, under the
  // lock, and returns true; false if there is none. Its owner cannot leave meanwhile (it must
  // unlink first, which takes the lock), so `look` may read what the owner wrote before it
  // registered. For chapter 6's lock_to_receiver_thread, which asks who is receiving.
  template <typename Look>
  bool look_at_oldest(WaitState waiting, Look look) {
    Guard guard(lock_);
    for (WaitNode* node = head_; node != nullptr; node = node->next) {
      // acquire: a timeout or cancel that ended the wait first is seen as such.
      if (node->word->load(std::memory_order_acquire) != raw(waiting)) continue;
      look(*node);
      return true;
    }
    return false;
  }

  // Ends every registered wait (close). `wake` is called for each node whose CAS it won,
  // under the lock: the owner cannot unlink (and leave) before it returns.
  template <typename Wake>
  void end_all(WaitState waiting, WaitState outcome, Wake wake) noexcept {
    Guard guard(lock_);
    while (WaitNode* node = head_) {
      remove(*node);
      if (end(*node, waiting, outcome)) wake(*node);
    }
  }

 private:
  // try_end_wait, or, when only this thread can touch the word (one thread, no stop token),
  // the same transition with a plain load and store: no locked instruction.
  static bool end(const WaitNode& node, WaitState waiting, WaitState outcome) noexcept {
    if constexpr (!kShared) {
      if (!node.word_shared) {
        if (node.word->load(std::memory_order_relaxed) != raw(waiting)) return false;
        node.word->store(raw(outcome), std::memory_order_relaxed);
        return true;
      }
    }
    return try_end_wait(*node.word, waiting, outcome);
  }

  void remove(WaitNode& node) noexcept {
    (node.previous != nullptr ? node.previous->next : head_) = node.next;
    (node.next != nullptr ? node.next->previous : tail_) = node.previous;
    node.linked = false;
    count_.store(count_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  }

  struct NoLock {
    void lock() noexcept {}
    void unlock() noexcept {}
  };
  using Lock = std::conditional_t<kShared, SpinLock, NoLock>;
  using Guard = std::lock_guard<Lock>;

  Lock lock_;
  WaitNode* head_ = nullptr;             // guarded by lock_
  WaitNode* tail_ = nullptr;             // guarded by lock_
  std::atomic<std::uint32_t> count_{0};  // linked nodes; written under lock_, read without
};

}  // namespace rt::chan

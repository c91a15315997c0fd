// rt::chan::Channel: one channel for threads and fibers, its wakeup path chosen at compile
// time from the kinds of its two sides (endpoint.hpp).
//
//   rt::chan::Channel<int, rt::chan::Thread, rt::chan::Fiber> requests(2);  // T2C, capacity 2
//   thread:  requests.send(42);                 // blocks while full (back-pressure)
//   fiber:   if (auto got = requests.receive(now + 2s)) use(*got.value);
//            else if (got.status == rt::chan::Status::timed_out) ...
//
// Storage and notification are separate. Storage is one lock-free ring (ring.hpp), or an
// unbounded queue (unbounded.hpp), or a rendezvous cell (rendezvous.hpp). Notification is the
// waiter protocol (waiter.hpp; a channel's lists, wakes and counters: waiting.hpp): a party
// that cannot go on registers, re-checks, parks; whoever changes the channel wakes a waiter
// only if one is registered. So a sender into a receiver that is awake and draining pays no
// wakeup at all, however long the burst, and the wake it does pay is the cheapest its mode
// allows (mode.hpp's table).
//
// Invariants:
// - A value whose send returned ok is received exactly once (or destroyed with the channel).
//   A send that returns anything else enqueued nothing; a receive that returns anything but
//   ok took nothing.
// - No waiter sleeps while what it waits for holds: every put is followed by a look at the
//   receivers' list, every take by a look at the senders', each after a seq_cst fence that
//   pairs with the fence between a waiter's registration and its re-check.
// - Close is final: after the call that closed it returns, every send returns closed, and
//   every receive returns the values left, then closed; every waiter on both sides was woken.
//
// Contract:
// - send and try_send only from the sender's kind, receive and try_receive only from the
//   receiver's kind (checked: the process stops with a message naming the mode and the
//   caller). close() from anyone, except on a C2C channel: there every party, the closer
//   included, is a fiber of the one loop (checked), which is what lets C2C go without locks
//   and atomic read-modify-writes (from another thread, Loop::post a task that spawns a
//   fiber to close it: a posted task runs on the loop's own stack, not on a fiber).
// - A fiber side must run on an rt::net::Loop; with kind Fiber on both sides (C2C), every
//   fiber that uses the channel must be on the same loop (checked when a wake crosses loops;
//   use FiberOnAnyLoop for fibers of several loops).
// - Destroying a channel with parties still waiting on it is undefined: close it and let
//   them return first.
// - A fiber waiting on a channel is parked by the channel, not by the loop's I/O: chapter 4's
//   Loop::cancel_all does not end its wait. Shut it down with close(), or with the stop
//   token it waits with.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "rt/chan/endpoint.hpp"
#include "rt/chan/mode.hpp"
#include "rt/chan/policies.hpp"
#include "rt/chan/ring.hpp"
#include "rt/chan/status.hpp"
#include "rt/chan/waiter.hpp"
#include "rt/chan/waiting.hpp"

namespace rt::chan {

template <typename T, EndpointKind SenderKind, EndpointKind ReceiverKind,
          typename Storage = Buffered, typename WhenFull = Block, typename Notifier = Batched>
class Channel {
 public:
  using value_type = T;
  using Sender = SenderKind;
  using Receiver = ReceiverKind;
  static constexpr const char* kMode = mode_name<SenderKind, ReceiverKind>();
  static constexpr bool kRendezvous = std::is_same_v<Storage, Rendezvous>;  // either cell
  // The notification half (waiting.hpp): parked parties, wakes, counters.
  using Waiting = detail::Waiting<SenderKind, ReceiverKind, kRendezvous, Notifier>;
  // False for two fibers of one loop (C2C), which share a thread (waiting.hpp).
  static constexpr bool kOtherPartyMayRunElsewhere = Waiting::kShared;
  // The lists of parked parties: locked unless every party runs on one thread.
  using Waiters = typename Waiting::Waiters;

  // capacity >= 1 for Buffered (checked); ignored for Unbounded and Rendezvous.
  explicit Channel(std::size_t capacity = 1) : storage_(checked_capacity(capacity)) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Sends `value`: ok, or closed, timed_out (the deadline passed while full), cancelled
  // (`stop` was requested while full); Under DropNewest, dropped. A send that can complete at
  // once completes, whatever its deadline or stop token say.
  Status send(T value, Deadline deadline = {}, const std::stop_token& stop = {}) {
    [[maybe_unused]] const NoPreemption<SenderKind> region;
    check_caller<SenderKind>("send");
    if constexpr (kRendezvous) {
      return send_to_a_receiver(value, deadline, stop);
    } else {
      for (;;) {
        if (const Status status = put_now(value); status != Status::full) return status;
        if constexpr (std::is_same_v<WhenFull, DropNewest>) {
          waiting_.count_dropped();
          return Status::dropped;
        } else if constexpr (std::is_same_v<WhenFull, DropOldest>) {
          std::optional<T> oldest;
          if (storage_.try_take(oldest) == TakeResult::ok) waiting_.count_dropped();
          continue;
        } else {
          if (const auto gave_up = given_up(deadline, stop)) return *gave_up;
          const WaitState outcome = waiting_.wait_as_sender(
              waiting_.senders, [this] { return storage_.has_room_or_closed(); }, deadline, stop);
          if (const auto gave_up = as_status(outcome)) return pass_on_senders(*gave_up);
        }
      }
    }
  }

  // Sends only if there is room now: ok, full or closed. Moves from `value` only on ok.
  // On a rendezvous, "room" is a receiver already waiting (in a receive or a select): the
  // value goes straight into its hands, and full means nobody was waiting (Go's non-blocking
  // send on an unbuffered channel).
  Status try_send(T& value) {
    [[maybe_unused]] const NoPreemption<SenderKind> region;
    check_caller<SenderKind>("try_send");
    if constexpr (kRendezvous) {
      return hand_over_now(value);
    } else {
      return put_now(value);
    }
  }
  Status try_send(T&& value) { return try_send(value); }

  // Receives a value: ok (with the value), closed (closed and drained), timed_out or
  // cancelled (nothing taken).
  Received<T> receive(Deadline deadline = {}, const std::stop_token& stop = {}) {
    [[maybe_unused]] const NoPreemption<ReceiverKind> region;
    check_caller<ReceiverKind>("receive");
    waiting_.note_receiver();
    Received<T> received;
    for (;;) {
      received.status = take_now(received.value);
      if (received.status != Status::empty) return received;
      if (const auto gave_up = given_up(deadline, stop)) {
        received.status = *gave_up;
        return received;
      }
      const WaitState outcome = waiting_.wait_as_receiver(
          [this] { return can_receive(); }, deadline, stop, receive_slot(received.value));
      if (outcome == WaitState::delivered) {  // a rendezvous sender handed it over
        received.status = Status::ok;
        return received;
      }
      if (const auto gave_up = as_status(outcome)) {
        received.status = pass_on_receivers(*gave_up);
        return received;
      }
    }
  }

  // Receives only if a value is there now: ok, empty, or closed (closed and drained).
  Received<T> try_receive() {
    [[maybe_unused]] const NoPreemption<ReceiverKind> region;
    check_caller<ReceiverKind>("try_receive");
    waiting_.note_receiver();
    Received<T> received;
    received.status = take_now(received.value);
    return received;
  }

  // Closes the channel and wakes every waiter on both sides. Returns true for the call that
  // closed it; a second close returns false and does nothing. (Go panics on a second close;
  // here several producers may each close when they finish, with no agreement on who is last,
  // and the return value tells the one that did.) Any thread or fiber.
  bool close() noexcept {
    [[maybe_unused]] const NoPreemption<SenderKind> sender_side;  // either kind may close
    [[maybe_unused]] const NoPreemption<ReceiverKind> receiver_side;
    if constexpr (!kOtherPartyMayRunElsewhere) check_caller<SenderKind>("close");
    if (!storage_.close()) return false;
    // seq_cst: the closed bit, then the lists (pairs with the waiters' fence, as a put does).
    Waiting::fence();
    waiting_.wake_all();
    return true;
  }
  bool closed() const noexcept { return storage_.closed(); }
  std::size_t capacity() const noexcept { return storage_.capacity(); }

  ChannelStats stats() const noexcept { return waiting_.stats(); }

  // ---- For select (select.hpp): one case's steps, without waiting ----
  // Receives if a value is there (ok) or the channel is closed and drained (closed); false if
  // neither. The notification that follows a take is done here.
  bool select_try_receive(std::optional<T>& into, Status& status) {
    status = take_now(into);
    return status != Status::empty;
  }
  // Sends if there is room (ok; on a rendezvous: a receiver waits, and takes the value) or the
  // channel is closed (closed); false if neither.
  bool select_try_send(T& value, Status& status) {
    if constexpr (kRendezvous) {
      status = hand_over_now(value);
    } else {
      status = put_now(value);
    }
    return status != Status::full;
  }
  Waiters& select_receivers() noexcept { return waiting_.receivers; }
  // Where a rendezvous sender may hand a value straight to a receive case (as to a receive).
  static void* receive_slot(std::optional<T>& into) noexcept {
    return kRendezvous ? &into : nullptr;
  }
  // A send case waits for room; on a rendezvous, as an offer that a receiver takes from.
  Waiters& select_senders() noexcept { return kRendezvous ? waiting_.offers : waiting_.senders; }
  bool select_can_receive() const noexcept { return can_receive(); }
  bool select_can_send() const noexcept {
    if constexpr (kRendezvous) return storage_.closed() || waiting_.receivers.maybe_waiting();
    return storage_.has_room_or_closed();
  }
  // A select that a notifier of this channel woke, and that completed another case (or gave
  // up), hands the wakeup on: another receiver (sender) may be parked beside the value (room).
  void select_pass_on_receivers() { pass_on_receivers(Status::ok); }
  // (An offer's wait is ended only by a receiver taking it, which fires that case, or by close,
  // which ends every wait: there is no wakeup to hand on.)
  void select_pass_on_senders() {
    if constexpr (!kRendezvous) pass_on_senders(Status::ok);
  }

 private:
  // One attempt, no waiting, and the notification that follows a change: ok, closed, or
  // full (put) / empty (take: closed means closed and drained). Moves from `value` only on ok.
  Status put_now(T& value) {
    switch (storage_.try_put(value)) {
      case PutResult::ok:
        waiting_.after_put();
        return Status::ok;
      case PutResult::closed:
        return Status::closed;
      case PutResult::full:
        break;
    }
    return Status::full;
  }
  Status take_now(std::optional<T>& into) {
    if constexpr (kRendezvous) {
      // A value in the cell and a select's offer may both wait. Every other receive that sees
      // an offer tries it before the cell, so that plain senders refilling the cell cannot
      // starve a select, nor selects the plain senders (Go queues both in one list).
      if (waiting_.offers.maybe_waiting() && offer_first_.turn()) {
        if (const auto woken = waiting_.offers.take_offer(SenderKind::kWaiting, into)) {
          waiting_.wake_taken_from(*woken);
          return Status::ok;
        }
      }
    }
    switch (storage_.try_take(into)) {
      case TakeResult::ok:
        waiting_.after_take();
        return Status::ok;
      case TakeResult::closed:
        return Status::closed;
      case TakeResult::empty:
        break;
    }
    if constexpr (kRendezvous) {
      // No value in the cell; a select may be waiting to send. Relaxed peek: an offer made
      // just after is seen by the fenced re-check of a receiver about to park (can_receive).
      if (waiting_.offers.maybe_waiting()) {
        if (const auto woken = waiting_.offers.take_offer(SenderKind::kWaiting, into)) {
          waiting_.wake_taken_from(*woken);
          return Status::ok;
        }
      }
    }
    return Status::empty;
  }
  // What a receiver waits for: a value, a close, or on a rendezvous a select offering one.
  bool can_receive() const noexcept {
    if constexpr (kRendezvous) {
      if (waiting_.offers.maybe_waiting()) return true;
    }
    return storage_.has_value_or_closed();
  }

  static_assert(!kRendezvous || std::is_same_v<WhenFull, Block>,
                "a Rendezvous channel holds no values to drop: WhenFull must be Block");

  // A rendezvous (rendezvous.hpp): occupy the cell (waiting among the senders for it, as for
  // room in a ring), tell a receiver, then wait as the cell's owner until a receiver took the
  // value; a deadline, a stop or a close while waiting takes the value back, unless a
  // receiver already started to take it (then the send completed: ok).
  Status send_to_a_receiver(T& value, const Deadline& deadline, const std::stop_token& stop) {
    // A receiver already waits: hand the value over and be done, without the cell, and without
    // waiting for the receiver to run (it has the value: it was taken). Relaxed peek: a
    // receiver that registers just after is found by after_put's fenced look below.
    if (hand_over_now(value) == Status::ok) return Status::ok;
    for (;;) {
      const PutResult occupied = storage_.try_occupy(value);
      if (occupied == PutResult::closed) return Status::closed;
      if (occupied == PutResult::ok) break;
      if (const auto gave_up = given_up(deadline, stop)) return *gave_up;
      const WaitState outcome = waiting_.wait_as_sender(
          waiting_.senders, [this] { return storage_.has_room_or_closed(); }, deadline, stop);
      if (const auto gave_up = as_status(outcome)) return pass_on_senders(*gave_up);
    }
    waiting_.after_put();
    for (;;) {
      if (storage_.taken()) return release_cell(Status::ok);
      std::optional<Status> gave_up = storage_.closed() ? Status::closed : given_up(deadline, stop);
      if (!gave_up) {
        const WaitState outcome = waiting_.wait_as_sender(
            waiting_.owner, [this] { return storage_.taken() || storage_.closed(); }, deadline,
            stop);
        gave_up = as_status(outcome);
        if (!gave_up) continue;
      }
      if (storage_.retract()) {
        Waiting::fence();  // the cell is free: as after_take
        if (waiting_.senders.maybe_waiting()) waiting_.wake_a_sender_from_a_sender();
        return *gave_up;
      }
      return release_cell(Status::ok);  // a receiver took it first: delivered
    }
  }
  // A rendezvous send that completes only if a receiver waits now: ok (the value is in its
  // hands, and it is woken), full (nobody waiting; the value is left as it was) or closed.
  Status hand_over_now(T& value) {
    if (storage_.closed()) return Status::closed;
    if (waiting_.receivers.maybe_waiting()) {
      if (const auto woken = waiting_.receivers.hand_over(ReceiverKind::kWaiting, value)) {
        waiting_.wake_handed_to(*woken);
        return Status::ok;
      }
    }
    return Status::full;
  }
  // The owner, its value taken: frees the cell and wakes a sender waiting for it.
  Status release_cell(Status status) {
    storage_.reset();
    Waiting::fence();  // as after_take
    if (waiting_.senders.maybe_waiting()) waiting_.wake_a_sender_from_a_sender();
    return status;
  }

  static std::size_t checked_capacity(std::size_t capacity) {
    if (std::is_same_v<Storage, Buffered> && capacity == 0) {
      fail_misuse("a Buffered channel needs a capacity of at least 1");
    }
    return capacity;
  }

  // Every operation's first step, inside its region (endpoint.hpp, NoPreemption): the caller
  // checked, then a preemption check point.
  template <typename Kind>
  static void check_caller(const char* call) {
    if (!Kind::caller_is_this_kind()) fail_wrong_caller(call, kMode, Kind::kName);
    checkpoint<Kind>();
  }

  static std::optional<Status> given_up(const Deadline& deadline, const std::stop_token& stop) {
    if (stop.stop_requested()) return Status::cancelled;
    if (deadline.passed()) return Status::timed_out;
    return std::nullopt;
  }

  static std::optional<Status> as_status(WaitState outcome) {
    if (outcome == WaitState::timed_out) return Status::timed_out;
    if (outcome == WaitState::cancelled) return Status::cancelled;
    return std::nullopt;  // notified, or withdrawn after the re-check: try again
  }

  // A party that gives up may have been notified in the same instant by a notifier that lost
  // the CAS to its deadline or stop (then nobody was woken for that change) or, after it was
  // notified, found its deadline passed: either way, hand the chance on to the next waiter.
  Status pass_on_senders(Status status) {
    Waiting::fence();
    if (waiting_.senders.maybe_waiting() && storage_.has_room_or_closed()) {
      waiting_.wake_a_sender_from_a_sender();
    }
    return status;
  }
  Status pass_on_receivers(Status status) {
    Waiting::fence();
    if (waiting_.receivers.maybe_waiting() && can_receive()) {
      waiting_.wake_a_receiver_from_a_receiver();
    }
    return status;
  }

  std::conditional_t<kOtherPartyMayRunElsewhere, typename Storage::template For<T>,
                     typename Storage::template ForOneThread<T>>
      storage_;
  Waiting waiting_;
  // A rendezvous: whose turn it is, the offers' or the cell's, when a receiver sees an offer.
  // Only an order of preference: relaxed, and a lost flip between racing receivers is harmless.
  struct Turn {
    std::atomic<bool> offers{false};
    bool turn() noexcept {
      const bool mine = offers.load(std::memory_order_relaxed);
      offers.store(!mine, std::memory_order_relaxed);
      return mine;
    }
  } offer_first_;
};

}  // namespace rt::chan

// rt::chan::detail::Waiting: the notification half of a channel (channel.hpp keeps the storage
// half, and the steps of send and receive): the lists of parked parties, the wake each pairing
// of kinds takes (chosen at compile time: mode.hpp's table), and the counters that show what
// waking cost (ChannelStats).
//
// The Notifier policy (policies.hpp) picks Batched, the channel's design: a change wakes a
// waiter only if one is registered. The two rejected designs are kept to be measured (bench):
// Naive also signals the receiving side's OS primitive on every put, parked or not; Virtual
// reaches Batched through an interface, a virtual call per put and per take.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <stop_token>
#include <type_traits>

#include "rt/chan/endpoint.hpp"
#include "rt/chan/mode.hpp"
#include "rt/chan/policies.hpp"
#include "rt/chan/status.hpp"
#include "rt/chan/wait.hpp"
#include "rt/chan/waiter.hpp"
#include "rt/fence.hpp"
#include "rt/os/address_wait.hpp"

namespace rt::chan::detail {

template <EndpointKind SenderKind, EndpointKind ReceiverKind, bool kRendezvous, typename Notifier>
class Waiting {
 public:
  // False for two fibers of one loop (C2C), which share a thread: then nothing is locked and
  // nothing counted atomically, and spinning before a park cannot see the other party act.
  static constexpr bool kShared = !same_thread_wake<ReceiverKind, SenderKind>();
  using Waiters = WaitList<kShared>;

  Waiters receivers;  // parked receivers (receive)
  Waiters senders;    // parked senders (send, when full; a rendezvous: the cell is taken)
  Waiters owner;      // a rendezvous: the sender whose value is in the cell, waiting for a take
  Waiters offers;     // a rendezvous: selects waiting to send, each node's slot their value

  Waiting() = default;
  Waiting(const Waiting&) = delete;
  Waiting& operator=(const Waiting&) = delete;

  // The store-load fence of the protocol (rt/fence.hpp), between two parties that may run at
  // once; none for two fibers of one loop, which never do.
  static void fence() noexcept {
    if constexpr (kShared) rt::store_load_fence();
  }

  // The notification after a change to the storage: a put wakes a receiver, a take a sender
  // (on a rendezvous, the owner of the value taken). Batched and Naive inline; Virtual through
  // the interface.
  void after_put() {
    if constexpr (kVirtual) {
      virtual_notify_->after_put();
    } else {
      batched_after_put();
    }
  }
  void after_take() {
    if constexpr (kVirtual) {
      virtual_notify_->after_take();
    } else {
      batched_after_take();
    }
  }

  // Waits on `list` (a side's), or on the receivers' list with the receive's slot: wait.hpp's
  // protocol, counted in the stats' parks.
  template <typename Ready>
  WaitState wait_as_sender(Waiters& list, Ready ready, const Deadline& deadline,
                           const std::stop_token& stop) {
    return wait<SenderKind>(list, ready, deadline, stop, nullptr);
  }
  template <typename Ready>
  WaitState wait_as_receiver(Ready ready, const Deadline& deadline, const std::stop_token& stop,
                             void* receive_slot) {
    return wait<ReceiverKind>(receivers, ready, deadline, stop, receive_slot);
  }

  // Wakes the oldest parked sender (receiver), from a party of the same side: one that gave up
  // and hands a wakeup on, or a rendezvous owner that freed the cell.
  void wake_a_sender_from_a_sender() { notify_one<SenderKind, SenderKind>(senders); }
  void wake_a_receiver_from_a_receiver() { notify_one<ReceiverKind, ReceiverKind>(receivers); }

  // Wakes the owner of a wait the caller ended by handing it a value (a rendezvous sender:
  // WaitList::hand_over) or by taking its offer (a receiver: WaitList::take_offer).
  void wake_handed_to(const Woken& receiver) { wake<ReceiverKind, SenderKind>(receiver); }
  void wake_taken_from(const Woken& sender) { wake<SenderKind, ReceiverKind>(sender); }

  // close(): ends every wait on all four lists (after the closed bit and a fence).
  void wake_all() noexcept {
    end_all<ReceiverKind>(receivers);
    end_all<SenderKind>(senders);
    end_all<SenderKind>(owner);
    end_all<SenderKind>(offers);
  }

  // Naive only: records where the receiving side is (its loop), from a receive.
  void note_receiver() noexcept {
    if constexpr (std::is_same_v<Notifier, Naive> && !std::is_same_v<ReceiverKind, Thread>) {
      // release: pairs with the sender's acquire load, so the loop it reaches is constructed.
      receiver_loop_.store(rt::net::Loop::current_or_null(), std::memory_order_release);
    }
  }

  void count_dropped() noexcept { bump(stats_.dropped); }
  ChannelStats stats() const noexcept {
    return {stats_.parks.load(std::memory_order_relaxed),
            stats_.notifications.load(std::memory_order_relaxed),
            stats_.wakeups.load(std::memory_order_relaxed),
            stats_.dropped.load(std::memory_order_relaxed)};
  }

 private:
  // The one list a send or a receive waits on, for wait_on.
  struct OneList {
    static constexpr std::size_t kCount = 1;
    Waiters* list;
    void* receive_slot;
    void link(std::size_t, WaitNode& node) { list->link(node); }
    bool unlink(std::size_t, WaitNode& node) { return list->unlink(node); }
    void* slot(std::size_t) const { return receive_slot; }
  };

  template <typename Kind, typename Ready>
  WaitState wait(Waiters& list, Ready ready, const Deadline& deadline, const std::stop_token& stop,
                 void* receive_slot) {
    std::array<bool, 1> removed;
    return wait_on<Kind, kShared>(OneList{&list, receive_slot}, removed, ready, deadline, stop,
                                  stats_.parks);
  }

  void batched_after_put() {
    // seq_cst: the put, then the receivers' list (pairs with a receiver's fence between its
    // registration and its re-check): one of the two sees the other.
    fence();
    if (receivers.maybe_waiting()) notify_one<ReceiverKind, SenderKind>(receivers);
    if constexpr (std::is_same_v<Notifier, Naive>) signal_receiving_side();
  }
  void batched_after_take() {
    fence();  // as after_put, for senders
    if constexpr (kRendezvous) {
      // The value's sender waits for this take; the cell is still its until it resets it.
      if (owner.maybe_waiting()) notify_one<SenderKind, ReceiverKind>(owner);
    } else {
      if (senders.maybe_waiting()) notify_one<SenderKind, ReceiverKind>(senders);
    }
  }

  // Wakes the oldest waiter of `list`, of kind Waiter, from a party of kind Waker.
  template <typename Waiter, typename Waker>
  void notify_one(Waiters& list) {
    if (const auto woken = list.end_one(Waiter::kWaiting, WaitState::notified)) {
      wake<Waiter, Waker>(*woken);
    }
  }
  // Wakes the owner of a wait that a party of kind Waker just ended.
  template <typename Waiter, typename Waker>
  void wake(const Woken& woken) {
    bump(stats_.notifications);
    auto& parker = *static_cast<typename Waiter::Parker*>(woken.parker);
    bool paid;
    if constexpr (same_thread_wake<Waiter, Waker>()) {
      paid = Waiter::unpark_from_own_thread(*woken.word, parker);
    } else {
      paid = Waiter::unpark_from_other_thread(*woken.word, parker);
    }
    if (paid) bump(stats_.wakeups);
  }
  template <typename Waiter>
  void end_all(Waiters& list) noexcept {
    list.end_all(Waiter::kWaiting, WaitState::notified, [this](const WaitNode& node) {
      bump(stats_.notifications);
      auto& parker = *static_cast<typename Waiter::Parker*>(node.parker);
      if (Waiter::unpark_from_any_thread(*node.word, parker)) {
        bump(stats_.wakeups);
      }
    });
  }

  // A slow-path counter: an atomic increment between threads, a plain one on one thread.
  static void bump(std::atomic<std::uint64_t>& counter) noexcept {
    if constexpr (kShared) {
      counter.fetch_add(1, std::memory_order_relaxed);
    } else {
      counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }

  // Naive: the OS primitive of the receiving side, on every put.
  void signal_receiving_side() noexcept {
    bump(stats_.wakeups);
    if constexpr (std::is_same_v<ReceiverKind, Thread>) {
      rt::os::wake_one(naive_word_);
    } else if (auto* loop = receiver_loop_.load(std::memory_order_acquire)) {
      loop->wake_unconditionally();
    }
  }

  // Virtual: the interface a run-time choice of mode would call on every put and take; its one
  // implementation does what Batched does.
  static constexpr bool kVirtual = std::is_same_v<Notifier, Virtual>;
  struct NotifyInterface {
    virtual void after_put() = 0;
    virtual void after_take() = 0;
    virtual ~NotifyInterface() = default;
  };
  struct NotifyBatched final : NotifyInterface {
    explicit NotifyBatched(Waiting& w) : waiting(w) {}
    void after_put() override { waiting.batched_after_put(); }
    void after_take() override { waiting.batched_after_take(); }
    Waiting& waiting;
  };
  struct NoInterface {};
  static auto make_notify(Waiting& waiting) {
    if constexpr (kVirtual) {
      return std::unique_ptr<NotifyInterface>(std::make_unique<NotifyBatched>(waiting));
    } else {
      return NoInterface{};
    }
  }

  struct {
    std::atomic<std::uint64_t> parks{0}, notifications{0}, wakeups{0}, dropped{0};
  } stats_;
  // Naive only: where the receiving side is (its loop), or a word to wake a thread on.
  std::atomic<rt::net::Loop*> receiver_loop_{nullptr};
  WaitWord naive_word_{0};
  [[no_unique_address]] std::conditional_t<kVirtual, std::unique_ptr<NotifyInterface>, NoInterface>
      virtual_notify_ = make_notify(*this);
};

}  // namespace rt::chan::detail

// select: wait on several channel operations at once; exactly one of them happens.
//
//   std::optional<Request> request;
//   Reply reply = ...;
//   auto fired = rt::chan::select({.deadline = rt::Clock::now() + 1s, .stop = token},
//                                 rt::chan::on_receive(requests, request),
//                                 rt::chan::on_send(replies, reply));
//   if (fired.index == 0 && fired.status == rt::chan::Status::ok) handle(*request);
//
// Semantics (Go's):
// - The cases that can go on now are tried in a random order, so none starves; the first
//   that goes on is the one that fires. A receive case fires on a value (ok) or on a closed,
//   drained channel (closed); a send case on room (ok) or a closed channel (closed).
// - With `.has_default`, select never waits: if no case can go on, it returns kNoCase and
//   Status::empty. Otherwise it waits, registered on every case's channel at once with one
//   waiter word, until a case can go on, the deadline passes (timed_out) or the stop token
//   fires (cancelled); then kNoCase.
// - Exactly one case fires; the others took and sent nothing. A case that did not fire after
//   its channel's notifier woke this select hands that wakeup on to the channel's next waiter
//   (otherwise a receiver parked on that channel could sleep beside a value).
// - Every case waits on the same kind of party as the caller (receive cases: the channel's
//   Receiver kind; send cases: its Sender kind): checked at compile time and at run time.
// - On a rendezvous (capacity 0) a case completes hand to hand, as in Go: a send case fires
//   when a receiver waits (and takes the value), a receive case when a sender waits or offers.
//   While the select waits, a rendezvous sender may put its value straight into a receive
//   case's `into`, or a receiver take it straight from a send case's value (the wait then
//   ends as `delivered`, and the case whose registration the value went through fired). A
//   send and a receive case on the same rendezvous are refused (checked: they would see each
//   other as the party they wait for).
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <optional>
#include <stop_token>
#include <tuple>
#include <type_traits>
#include <utility>

#include "rt/chan/channel.hpp"
#include "rt/chan/wait.hpp"

namespace rt::chan {

inline constexpr std::size_t kNoCase = ~std::size_t{0};

struct SelectOptions {
  Deadline deadline = {};
  std::stop_token stop = {};
  bool has_default = false;  // never wait (Go's `default:` case)
};

struct SelectResult {
  std::size_t index = kNoCase;    // the case that fired, in the order given; kNoCase if none
  Status status = Status::empty;  // that case's outcome (ok, closed), or why none fired
};

template <typename Channel>
struct ReceiveCase {
  using Kind = typename Channel::Receiver;
  static constexpr bool kOtherPartyMayRunElsewhere = Channel::kOtherPartyMayRunElsewhere;
  Channel* channel;
  std::optional<typename Channel::value_type>* into;

  bool try_now(Status& status) { return channel->select_try_receive(*into, status); }
  bool ready() const { return channel->select_can_receive(); }
  auto& list() const { return channel->select_receivers(); }
  void pass_on() const { channel->select_pass_on_receivers(); }
  void* slot() const { return Channel::receive_slot(*into); }
  void clear() const { into->reset(); }
  static constexpr bool kSends = false;
  static constexpr bool kRendezvous = Channel::kRendezvous;
  const void* rendezvous() const { return Channel::kRendezvous ? channel : nullptr; }
};

template <typename Channel>
struct SendCase {
  using Kind = typename Channel::Sender;
  static constexpr bool kOtherPartyMayRunElsewhere = Channel::kOtherPartyMayRunElsewhere;
  Channel* channel;
  typename Channel::value_type* value;

  bool try_now(Status& status) { return channel->select_try_send(*value, status); }
  bool ready() const { return channel->select_can_send(); }
  auto& list() const { return channel->select_senders(); }
  void pass_on() const { channel->select_pass_on_senders(); }
  // A rendezvous: the value itself, which a receiver takes straight from it.
  void* slot() const { return Channel::kRendezvous ? value : nullptr; }
  void clear() const {}
  static constexpr bool kSends = true;
  static constexpr bool kRendezvous = Channel::kRendezvous;
  const void* rendezvous() const { return Channel::kRendezvous ? channel : nullptr; }
};

// A receive case: on ok, the value is in `into`; otherwise `into` is empty (select empties it).
template <typename Channel>
ReceiveCase<Channel> on_receive(Channel& channel,
                                std::optional<typename Channel::value_type>& into) {
  return {&channel, &into};
}
// A send case: on ok, `value` was moved into the channel; otherwise it is left as it was.
template <typename Channel>
SendCase<Channel> on_send(Channel& channel, typename Channel::value_type& value) {
  return {&channel, &value};
}

namespace detail {
// A small generator for the case order (xorshift64*): fairness needs no cryptography, and a
// thread_local state keeps it off any shared cache line.
std::uint64_t next_random() noexcept;

template <typename Tuple, typename Function, std::size_t... I>
void visit_case(Tuple& cases, std::size_t index, Function&& function, std::index_sequence<I...>) {
  ((I == index ? (function(std::get<I>(cases)), 0) : 0), ...);
}
// A select's lists for wait_on: case i's channel's list (the one its side waits on). `visit`
// calls a function on case i, whatever its type.
template <std::size_t N, typename Visit>
struct CaseLists {
  static constexpr std::size_t kCount = N;
  Visit* visit;
  void link(std::size_t i, WaitNode& node) {
    (*visit)(i, [&](auto& c) { c.list().link(node); });
  }
  bool unlink(std::size_t i, WaitNode& node) {
    bool was_linked = false;
    (*visit)(i, [&](auto& c) { was_linked = c.list().unlink(node); });
    return was_linked;
  }
  void* slot(std::size_t i) const {
    void* slot = nullptr;
    (*visit)(i, [&](auto& c) { slot = c.slot(); });
    return slot;
  }
};
}  // namespace detail

template <typename... Cases>
SelectResult select(const SelectOptions& options, Cases... cases) {
  constexpr std::size_t kCases = sizeof...(Cases);
  static_assert(kCases >= 1 && kCases <= kMaxWaitLists, "select takes 1 to 16 cases");
  using Kind = typename std::tuple_element_t<0, std::tuple<Cases...>>::Kind;
  static_assert((std::is_same_v<typename Cases::Kind, Kind> && ...),
                "every case of a select must wait on the caller's kind of party");
  [[maybe_unused]] const NoPreemption<Kind> region;  // as a channel operation (endpoint.hpp)
  if (!Kind::caller_is_this_kind())
    fail_misuse("select called by the wrong kind of party: its cases wait on a ", Kind::kName);
  checkpoint<Kind>();

  std::tuple<Cases...> all(cases...);
  const auto indexes = std::make_index_sequence<kCases>();
  auto visit = [&](std::size_t i, auto&& function) {
    detail::visit_case(all, i, function, indexes);
  };
  for (std::size_t i = 0; i < kCases; ++i) visit(i, [](auto& c) { c.clear(); });
  // A send and a receive case on one rendezvous would each see the other's registration as a
  // party waiting, and the select would never park: refused (Go's select waits for another
  // goroutine there; here, use two selects, or a channel with a buffer). Checked only when the
  // case types allow it: no cost to a select without both kinds of rendezvous case.
  constexpr bool kMayPairItself = ((Cases::kSends && Cases::kRendezvous) || ...) &&
                                  ((!Cases::kSends && Cases::kRendezvous) || ...);
  if constexpr (kMayPairItself) {
    std::array<const void*, kCases> sends{}, receives{};
    for (std::size_t i = 0; i < kCases; ++i) {
      visit(i, [&](auto& c) { (c.kSends ? sends : receives)[i] = c.rendezvous(); });
    }
    for (const void* sent_on : sends) {
      if (sent_on != nullptr &&
          std::find(receives.begin(), receives.end(), sent_on) != receives.end())
        fail_misuse("select with a send and a receive case on the same rendezvous channel");
    }
  }
  std::array<std::size_t, kCases> order;
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::array<bool, kCases> woken_by{};  // cases whose notifier woke this select
  std::array<bool, kCases> removed{};
  // Shared if any case's channel is: a C2C case beside a T2C one (a fiber waiting for data from
  // its own loop or a command from a thread) then has its waiter word ended by CAS, since the
  // thread may end it too; its list stays unlocked, used only by this loop's fibers.
  constexpr bool kShared = (Cases::kOtherPartyMayRunElsewhere || ...);
  std::atomic<std::uint64_t> parks{0};

  // Hands on the wakeups of every woken case but `fired`.
  auto finish = [&](SelectResult result) {
    for (std::size_t i = 0; i < kCases; ++i) {
      if (woken_by[i] && i != result.index) visit(i, [](auto& c) { c.pass_on(); });
    }
    return result;
  };
  for (;;) {
    for (std::size_t i = kCases - 1; i > 0; --i) {  // Fisher-Yates
      std::swap(order[i], order[detail::next_random() % (i + 1)]);
    }
    for (std::size_t i : order) {
      Status status = Status::empty;
      bool fired = false;
      visit(i, [&](auto& c) { fired = c.try_now(status); });
      if (fired) return finish({i, status});
    }
    if (options.has_default) return finish({kNoCase, Status::empty});
    if (options.stop.stop_requested()) return finish({kNoCase, Status::cancelled});
    if (options.deadline.passed()) {
      return finish({kNoCase, Status::timed_out});
    }
    auto any_ready = [&] {
      bool ready = false;
      for (std::size_t i = 0; i < kCases && !ready; ++i)
        visit(i, [&](auto& c) { ready = c.ready(); });
      return ready;
    };
    std::size_t delivered_at = kNoCase;
    const WaitState outcome =
        wait_on<Kind, kShared>(detail::CaseLists<kCases, decltype(visit)>{&visit}, removed,
                               any_ready, options.deadline, options.stop, parks, &delivered_at);
    for (std::size_t i = 0; i < kCases; ++i) woken_by[i] = woken_by[i] || removed[i];
    if (outcome == WaitState::delivered) {  // a case's value was handed over, either way
      if (delivered_at >= kCases) fail_misuse("select: delivered through no case (a bug)");
      return finish({delivered_at, Status::ok});
    }
    if (outcome == WaitState::timed_out) return finish({kNoCase, Status::timed_out});
    if (outcome == WaitState::cancelled) return finish({kNoCase, Status::cancelled});
  }
}

}  // namespace rt::chan

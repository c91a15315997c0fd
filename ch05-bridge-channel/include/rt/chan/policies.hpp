// A channel's compile-time policies (channel.hpp's template arguments): its storage, what a
// send does when it is full, and how a send tells the receiving side; and the counters of
// its slow path.
#pragma once

#include <cstdint>

#include "rt/chan/local_ring.hpp"
#include "rt/chan/rendezvous.hpp"
#include "rt/chan/ring.hpp"
#include "rt/chan/unbounded.hpp"

namespace rt::chan {

// Storage.
// Storage. `For` is shared by parties on several threads; `ForOneThread` serves two fibers of
// one loop (C2C), which never run at the same time (local_ring.hpp).
struct Buffered {  // a ring of the capacity given to the constructor (>= 1)
  template <typename T>
  using For = Ring<T>;
  template <typename T>
  using ForOneThread = LocalRing<T>;
};
struct Unbounded {  // never full: never blocks a sender (memory grows instead)
  template <typename T>
  using For = UnboundedQueue<T>;
  template <typename T>
  using ForOneThread = LocalQueue<T>;
};
struct Rendezvous {  // capacity 0: a send completes when a receiver has taken the value
  template <typename T>
  using For = RendezvousCell<T>;
  template <typename T>
  using ForOneThread = LocalRendezvousCell<T>;
};

// What send does when the channel is full (the source article's "drop or back off").
struct Block {};       // wait for room: back-pressure (the default)
struct DropNewest {};  // discard the value being sent; send returns dropped
struct DropOldest {};  // discard the oldest value in the channel to make room; send returns ok

// How a send tells the receiving side.
struct Batched {};  // wake a receiver only if one is parked (the default)
struct Naive {};    // also signal the receiving side's OS primitive on every send, parked or
                    // not: the eventfd write (or futex wake) per message that batching avoids.
                    // Kept to measure it: a fiber receiver's loop must outlive every send
                    // (the signal comes after the put, and nothing counts it)
struct Virtual {};  // Batched, reached through an interface: a virtual call per put and per
                    // take, as a design that picks the mode at run time has; kept to measure it

// Counters of the slow path (relaxed atomics; the fast path counts nothing).
struct ChannelStats {
  std::uint64_t parks = 0;          // waits that got past their re-check: from then on only a
                                    // notifier, close, the deadline or the stop ends them
  std::uint64_t notifications = 0;  // waits ended by a notifier or close()
  std::uint64_t wakeups = 0;        // OS wakeups paid for them (system calls)
  std::uint64_t dropped = 0;        // values discarded by DropNewest / DropOldest
};

}  // namespace rt::chan

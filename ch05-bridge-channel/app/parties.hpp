// The demos' way to run a channel's two parties as the kinds its type names (modes, burst,
// bench): each side on an OS thread of its own, a fiber side on a loop of that thread, and
// both sides of a C2C channel as fibers of one loop on one thread.
#pragma once

#include <chrono>
#include <type_traits>

#include "rt/chan/channel.hpp"
#include "rt/clock.hpp"
#include "rt/net/loop.hpp"
#include "rt/os/latch.hpp"
#include "rt/os/thread.hpp"

namespace ch05 {

// Runs `body` on the calling thread, or pinned: on a thread of its own on CPU 1, the CPU
// compare/run.sh gives Go's one-thread rows (this VM's two vCPUs are not equal: the same
// single-thread loop runs about 30% slower on CPU 0, ours and Go's alike).
template <typename Body>
void on_one_thread(bool pinned, Body body) {
  if (!pinned) return body();
  rt::os::Thread thread({.name = "one thread", .cpu = 1}, body);
  thread.join();
}

// Runs `send` as Channel's sender and `receive` as its receiver until both return; pinned:
// the sender's thread on CPU 0 and the receiver's on CPU 1 (C2C: both on CPU 1, one thread).
// Returns the seconds it took.
template <typename Channel, typename Send, typename Receive>
double run_pair(Send send, Receive receive, bool pinned = false) {
  constexpr bool sender_fiber = !std::is_same_v<typename Channel::Sender, rt::chan::Thread>;
  constexpr bool receiver_fiber = !std::is_same_v<typename Channel::Receiver, rt::chan::Thread>;
  const auto start = rt::Clock::now();
  if constexpr (sender_fiber && receiver_fiber) {
    on_one_thread(pinned, [&] {
      rt::net::Loop loop;
      loop.spawn({.name = "receiver"}, receive);
      loop.spawn({.name = "sender"}, send);
      loop.run();
    });
  } else {
    // `outlive`: the side waits for it after its loop ran and before the loop is destroyed.
    // The receiver waits for the sender's end: the Naive notifier wakes the receiver's loop
    // after each put (policies.hpp), so that loop must outlive the last send.
    auto party = [pinned](auto body, bool fiber, const char* name, int cpu,
                          rt::os::Latch* outlive) {
      rt::os::ThreadOptions options{.name = name};
      if (pinned) options.cpu = cpu;
      return rt::os::Thread(options, [body, fiber, outlive]() mutable {
        if (!fiber) return body();
        rt::net::Loop loop;
        loop.spawn({.name = "side"}, body);
        loop.run();
        if (outlive != nullptr) outlive->wait();
      });
    };
    rt::os::Latch sender_finished(1);
    auto send_then_say_so = [send, &sender_finished]() mutable {
      send();
      sender_finished.count_down();
    };
    rt::os::Thread receiver = party(receive, receiver_fiber, "receiver", 1, &sender_finished);
    rt::os::Thread sender = party(send_then_say_so, sender_fiber, "sender", 0, nullptr);
    sender.join();
    receiver.join();
  }
  return std::chrono::duration<double>(rt::Clock::now() - start).count();
}

}  // namespace ch05

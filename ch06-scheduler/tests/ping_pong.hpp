// Two M:N fibers ping-pong over two unbuffered channels: the pair the channel and direct-switch
// tests run (app/demo_support.cpp's `ping_pong`, for the `pingpong` and `knobs` demos, times the
// same shape).
#pragma once

#include "rt/chan/channel.hpp"
#include "rt/sched/endpoint.hpp"
#include "rt/sched/runtime.hpp"

namespace rt::sched::testing {

// `round_trips` round trips; returns the sum of the replies: 2 per round trip when every value
// arrived exactly once.
inline int ping_pong(rt::sched::Runtime& runtime, int round_trips) {
  using Unbuffered = rt::chan::Channel<int, MnFiber, MnFiber, rt::chan::Rendezvous>;
  Unbuffered ping;
  Unbuffered pong;
  auto server = runtime.spawn({.name = "pong"}, [&] {
    while (auto got = ping.receive()) pong.send(*got.value + 1);
  });
  int sum = 0;
  runtime
      .spawn({.name = "ping"},
             [&] {
               for (int i = 0; i < round_trips; ++i) {
                 ping.send(1);
                 sum += *pong.receive().value;
               }
               ping.close();
             })
      .join();
  server.join();
  return sum;
}

}  // namespace rt::sched::testing

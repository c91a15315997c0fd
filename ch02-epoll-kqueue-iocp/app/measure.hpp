// Measurements shared by the demos, `bench` and `tour`.
#pragma once

#include <cstddef>
#include <vector>

#include "rt/poll/poller.hpp"

namespace ch02 {

// Nanoseconds from wake() on one thread to the blocked wait() returning on another, once
// per round (wake.cpp).
std::vector<double> wake_latencies(int count, int settle_us);

// Nanoseconds per round trip when two threads wake each other through two Pollers: the
// median of 20 batches.
double wake_round_trip_ns(int round_trips);

// Nanoseconds per call of the raw and the wrapped write of `size` bytes to the null device,
// the median of `batches` batches; raw is 0 where there is no raw system call.
struct WriteCost {
  double raw_ns = 0;
  double wrapped_ns = 0;
};
WriteCost write_cost(int calls, std::size_t size);

// For `handles` idle UDP sockets registered through IoSocket: nanoseconds to register one,
// and for one wait(0) with all of them registered and none ready.
struct RegistrationCost {
  double register_ns = 0;
  double idle_poll_ns = 0;
};
RegistrationCost registration_cost(int handles);

}  // namespace ch02

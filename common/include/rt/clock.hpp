// A monotonic clock for measurements. steady_clock never jumps with wall-clock changes; on
// every target here it reads the OS's monotonic counter (clock_gettime(CLOCK_MONOTONIC),
// mach_absolute_time, QueryPerformanceCounter) in tens of nanoseconds, without a syscall.
#pragma once

#include <chrono>
#include <cstdint>

namespace rt {

using Clock = std::chrono::steady_clock;

inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// Measures the time since construction or the last restart().
class Stopwatch {
 public:
  Stopwatch() : start_(Clock::now()) {}
  void restart() { start_ = Clock::now(); }
  std::int64_t elapsed_ns() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  }
  double elapsed_ms() const { return static_cast<double>(elapsed_ns()) / 1e6; }
  double elapsed_s() const { return static_cast<double>(elapsed_ns()) / 1e9; }

 private:
  Clock::time_point start_;
};

}  // namespace rt

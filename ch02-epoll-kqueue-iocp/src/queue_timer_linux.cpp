// rt::poll::QueueTimer on Linux: a timerfd on CLOCK_MONOTONIC, non-blocking, so that reading
// it when nothing expired returns EAGAIN instead of waiting.
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "rt/error.hpp"
#include "rt/poll/queue_timer.hpp"

namespace rt::poll {

namespace {
timespec to_timespec(std::chrono::nanoseconds duration) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration);
  return timespec{static_cast<time_t>(seconds.count()),
                  static_cast<long>((duration - seconds).count())};
}

void set_time(Handle descriptor, const itimerspec& setting) {
  if (::timerfd_settime(static_cast<int>(descriptor), 0, &setting, nullptr) != 0) {
    throw_errno("timerfd_settime");
  }
}
}  // namespace

QueueTimer::QueueTimer() {
  int descriptor = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (descriptor < 0) throw_errno("timerfd_create");
  descriptor_ = descriptor;
}

QueueTimer::~QueueTimer() {
  ::close(static_cast<int>(descriptor_));
}

void QueueTimer::arm(std::chrono::nanoseconds first, std::chrono::nanoseconds period) {
  // An it_value of zero would disarm the timer instead: refused, so arm() always arms.
  if (first <= std::chrono::nanoseconds::zero() || period < std::chrono::nanoseconds::zero()) {
    throw std::invalid_argument("QueueTimer::arm: first must be positive, period not negative");
  }
  set_time(descriptor_,
           itimerspec{.it_interval = to_timespec(period), .it_value = to_timespec(first)});
}

void QueueTimer::disarm() {
  set_time(descriptor_, itimerspec{});  // zero it_value: disarmed, the count dropped
}

std::uint64_t QueueTimer::take_expirations() {
  std::uint64_t count = 0;
  // The kernel hands over the count and resets it in one read, so no expiration is counted
  // twice or lost between two calls.
  if (::read(static_cast<int>(descriptor_), &count, sizeof count) < 0) {
    if (errno == EAGAIN) return 0;
    throw_errno("read timerfd");
  }
  return count;
}

}  // namespace rt::poll

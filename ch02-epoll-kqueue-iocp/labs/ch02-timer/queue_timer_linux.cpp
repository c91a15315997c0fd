// Lab ch02-timer: rt::poll::QueueTimer on Linux (include/rt/poll/queue_timer.hpp has the
// contract). This stub compiles and links, so the rest of chapter 2 builds; making a timer
// stops the process with a pointer to the lab's README. Write the five functions
// (README.md, "Steps").
#include <chrono>

#include "rt/lab.hpp"
#include "rt/poll/queue_timer.hpp"

namespace rt::poll {

namespace {
constexpr const char* kTimerLabReadme = "ch02-epoll-kqueue-iocp/labs/ch02-timer/README.md";
}  // namespace

QueueTimer::QueueTimer() {
  lab_not_implemented(kTimerLabReadme, "rt::poll::QueueTimer::QueueTimer");
}

QueueTimer::~QueueTimer() {
  // Reached only once your constructor returns: then write this too.
  lab_not_implemented(kTimerLabReadme, "rt::poll::QueueTimer::~QueueTimer");
}

void QueueTimer::arm(std::chrono::nanoseconds /*first*/, std::chrono::nanoseconds /*period*/) {
  lab_not_implemented(kTimerLabReadme, "rt::poll::QueueTimer::arm");
}

void QueueTimer::disarm() {
  lab_not_implemented(kTimerLabReadme, "rt::poll::QueueTimer::disarm");
}

std::uint64_t QueueTimer::take_expirations() {
  lab_not_implemented(kTimerLabReadme, "rt::poll::QueueTimer::take_expirations");
}

}  // namespace rt::poll

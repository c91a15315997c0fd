// rt::os::Thread on POSIX threads (Linux, macOS): ownership and moves; starting and joining
// a thread are in thread_posix_start.cpp (the ch01-thread lab rebuilds that file).
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <climits>

#include "rt/os/thread.hpp"
#include "thread_posix_detail.hpp"

namespace rt::os {

Thread::~Thread() {
  if (joinable()) join();
}

Thread::Thread() noexcept = default;
Thread::Thread(Thread&& other) noexcept = default;

Thread& Thread::operator=(Thread&& other) noexcept {
  if (this != &other) {
    if (joinable()) join();
    handle_ = std::move(other.handle_);
  }
  return *this;
}

int cpu_count() {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<int>(std::min<long>(n, INT_MAX)) : 1;
}

}  // namespace rt::os

// rt::fiber::Mutex: ownership handed from fiber to fiber, FIFO, on one Scheduler.
#include "rt/fiber/mutex.hpp"

#include <cstdio>
#include <cstdlib>

namespace rt::fiber {

namespace {
[[noreturn]] void fail_mutex(const char* message) {
  std::fprintf(stderr, "rt::fiber::Mutex: %s\n", message);
  std::abort();
}
}  // namespace

Mutex::~Mutex() {
  if (owner_ != nullptr) fail_mutex("destroyed while a fiber holds it");
}

void Mutex::lock() {
  Fiber& self = this_fiber::current();
  if (owner_ == &self) fail_mutex("locked again by the fiber that holds it (a deadlock)");
  if (owner_ == nullptr) {
    owner_ = &self;
    return;
  }
  waiters_.push_back(&self);
  // unlock() makes this fiber the owner before it unparks it: when park() returns, the
  // mutex is already ours, and no fiber that ran in between could take it.
  while (owner_ != &self) this_fiber::park();
}

bool Mutex::try_lock() {
  if (owner_ != nullptr) return false;
  owner_ = &this_fiber::current();
  return true;
}

void Mutex::unlock() {
  if (owner_ != &this_fiber::current()) fail_mutex("unlocked by a fiber that does not hold it");
  if (waiters_.empty()) {
    owner_ = nullptr;
    return;
  }
  Fiber* next = waiters_.front();
  waiters_.pop_front();
  owner_ = next;  // handed over: no barging by a fiber that runs before `next` does
  this_fiber::scheduler().unpark(*next);
}

}  // namespace rt::fiber
